"""Each model call as an OpenTelemetry span and two metrics, by the GenAI conventions.

The span is named ``chat {model}``, kind CLIENT, with ``gen_ai.operation.name``,
``gen_ai.provider.name``, ``gen_ai.request.model``, ``gen_ai.response.model``,
``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``,
``gen_ai.response.finish_reasons``, ``llm.cache`` (``hit``, ``miss`` or ``off``: the
gateway's response cache) and, on failure, ``error.type``. The metrics are
``gen_ai.client.operation.duration`` (seconds) and ``gen_ai.client.token.usage`` (tokens,
by ``gen_ai.token.type``; only for calls that reached the provider, not cache hits).

Message content (``gen_ai.system_instructions``, ``gen_ai.input.messages``,
``gen_ai.output.messages``) is recorded only when
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``, masked (``core/pii.py``).
Without telemetry set up (``core/telemetry.py``) this module does nothing and imports nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, Protocol

from ..core import telemetry
from ..core.pii import mask
from .provider import ChatMessage, Completion, ProviderError, Usage

OPERATION = "chat"
# The conventions' advised histogram boundaries.
DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48]
TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304]


class TracedCall(Protocol):
    """What the gateway knows of a call once it has ended."""

    @property
    def messages(self) -> Sequence[ChatMessage]: ...
    @property
    def cache(self) -> str: ...
    @property
    def usage(self) -> Usage: ...
    @property
    def completion(self) -> Completion | None: ...


@contextmanager
def model_call(provider: str, model: str, system: str, call: TracedCall) -> Iterator[None]:
    """Trace the block (one gateway call) as a model call; nothing when telemetry is off."""
    if not telemetry.active():
        yield
        return
    from opentelemetry import trace  # optional SDK: OpenTelemetry, only when telemetry is on

    tracer = trace.get_tracer(telemetry.SCOPE)
    base = {
        "gen_ai.operation.name": OPERATION,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
    }
    # Not made current: a streamed call's block is an async generator, resumed elsewhere.
    span = tracer.start_span(f"{OPERATION} {model}", kind=trace.SpanKind.CLIENT, attributes=base)
    started = time.perf_counter()
    error: str | None = None
    try:
        yield
    except ProviderError as exc:
        error = _error_type(exc)
        raise
    finally:
        _end(span, base, call, system, error, time.perf_counter() - started)


def _error_type(exc: BaseException) -> str:
    """The fault under the ProviderError(s): what the SDK or the connection raised."""
    while isinstance(exc, ProviderError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__qualname__


def _end(
    span: Any,
    base: dict[str, str],
    call: TracedCall,
    system: str,
    error: str | None,
    seconds: float,
) -> None:
    # optional SDK: OpenTelemetry, only when telemetry is on
    from opentelemetry.trace import StatusCode

    done = call.completion
    attributes: dict[str, Any] = {"llm.cache": call.cache}
    if done is not None:
        attributes["gen_ai.response.model"] = done.model
        if done.finish_reason is not None:
            attributes["gen_ai.response.finish_reasons"] = [done.finish_reason]
    if call.usage.input_tokens is not None:
        attributes["gen_ai.usage.input_tokens"] = call.usage.input_tokens
    if call.usage.output_tokens is not None:
        attributes["gen_ai.usage.output_tokens"] = call.usage.output_tokens
    if telemetry.capture_content():
        attributes.update(_content(system, call.messages, done))
    if error is not None:
        attributes["error.type"] = error
        span.set_status(StatusCode.ERROR)
    span.set_attributes(attributes)
    span.end()

    duration, tokens = _instruments()
    measured = {**base, **({"error.type": error} if error else {})}
    if done is not None:
        measured["gen_ai.response.model"] = done.model
    duration.record(seconds, measured)
    if call.cache == "hit":
        return
    for kind, count in (("input", call.usage.input_tokens), ("output", call.usage.output_tokens)):
        if count is not None:
            tokens.record(count, {**measured, "gen_ai.token.type": kind})


@cache
def _instruments() -> tuple[Any, Any]:
    """The two histograms, created once per process."""
    from opentelemetry import metrics  # optional SDK: OpenTelemetry, only when telemetry is on

    meter = metrics.get_meter(telemetry.SCOPE)
    duration = meter.create_histogram(
        "gen_ai.client.operation.duration",
        unit="s",
        description="GenAI operation duration",
        explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
    )
    tokens = meter.create_histogram(
        "gen_ai.client.token.usage",
        unit="{token}",
        description="Measures number of input and output tokens used",
        explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
    )
    return duration, tokens


def _content(
    system: str, messages: Sequence[ChatMessage], done: Completion | None
) -> dict[str, str]:
    """The messages sent and received, as the conventions' JSON attributes."""

    def parts(text: str) -> list[dict[str, str]]:
        return [{"type": "text", "content": mask(text)}]  # as LOG_CONTENT logs it

    content = {
        "gen_ai.system_instructions": json.dumps(parts(system)),
        "gen_ai.input.messages": json.dumps(
            [{"role": m.role, "parts": parts(m.content)} for m in messages]
        ),
    }
    if done is not None:
        output: dict[str, Any] = {"role": "assistant", "parts": parts(done.text)}
        if done.finish_reason is not None:
            output["finish_reason"] = done.finish_reason
        content["gen_ai.output.messages"] = json.dumps([output])
    return content
