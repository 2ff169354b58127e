"""The one door to the model: every LLM call of the service goes through ``LLMGateway``.

It owns, in one place, what each call needs: the provider chosen by ``LLM_PROVIDER`` (its SDK
imported only then, with ``LLM_TIMEOUT_S`` and ``LLM_MAX_RETRIES``), the versioned prompt,
the response cache, the token accounting of the caller's rate limit, one ``llm.call`` log
event, and the mapping of every provider fault to one ``ProviderError`` (a 502 for clients).
Plain and streamed calls take the same steps (``_Call``); use-case code never sees an SDK.
Message content is logged only with ``LOG_CONTENT=true``, masked (``core/pii.py``);
``REDACT_PROMPTS=true`` masks the messages before they reach the provider and the cache key.
Cost and limits too (docs: cost and budgets): the history trimmed to ``LLM_CONTEXT_TOKENS``
(``context``), the caller's daily ``TOKEN_BUDGET_PER_DAY`` checked before and charged after,
and the call's cost from the price table (``prices``), logged and returned with it.

Whatever a provider or its SDK raises (an HTTP error, a timeout, a dropped connection, a body
that is not a completion) leaves as a ``ProviderError`` whose message names the provider and
the fault, is short, and never repeats a secret. An empty completion, or a stream without its
final completion, is one too: nothing half-done reaches the caller, or the cache, as a success.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import structlog

from ..core.budget import TokenBudget
from ..core.pii import mask
from ..core.rate_limit import RateLimiter
from ..core.redaction import Redactor, secret_values
from ..core.settings import Settings
from . import context, prices
from .cache import LLMCache
from .prompts import Prompt
from .provider import ChatMessage, Completion, OutputSchema, Provider, ProviderError, Usage
from .structured import InvalidOutput, Structured, T, complete_json
from .tracing import model_call

log = structlog.get_logger(__name__)
MESSAGE_LIMIT = 300  # characters of a ProviderError's message: never a whole response body


def build_provider(settings: Settings) -> Provider:
    """The provider ``LLM_PROVIDER`` names; its module (and SDK) is imported only now."""
    module = importlib.import_module(f"{__package__}.providers.{settings.llm_provider}")
    build: Callable[[Settings], Provider] = module.build
    return build(settings)


def _fault(exc: Exception) -> str:
    """What went wrong, for an exception the provider did not turn into a ProviderError."""
    # httpx and httpx2 (the SDKs use one or the other) name their error classes alike.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, TimeoutError) or "TimeoutException" in names:
        return "timed out"
    if isinstance(exc, OSError) or "TransportError" in names:
        return "connection failed"
    return "sent a response that is not a completion"


@dataclass
class _Call:
    """One call on its way through the gateway: what its log event will say."""

    prompt: Prompt
    messages: Sequence[ChatMessage]
    stream: bool
    rate_key: str | None
    cache_key: str | None
    schema: OutputSchema | None = None
    started: float = field(default_factory=time.perf_counter)
    cache: str = "off"
    outcome: str = "cancelled"
    usage: Usage = field(default_factory=Usage)
    cost: float | None = None
    currency: str | None = None
    error: ProviderError | None = None
    completion: Completion | None = None


class LLMGateway:
    """Complete or stream a chat with the configured provider; see the module's docstring."""

    def __init__(
        self,
        provider: Provider,
        *,
        cache: LLMCache | None = None,
        cache_streaming: bool = False,
        limiter: RateLimiter | None = None,
        redactor: Redactor | None = None,
        log_content: bool = False,
        redact_prompts: bool = False,
        budget: TokenBudget | None = None,
        price_table: prices.PriceTable | None = None,
        context_tokens: int = 0,
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.cache_streaming = cache_streaming
        self.limiter = limiter
        self.redactor = redactor or Redactor()
        self.log_content = log_content
        self.redact_prompts = redact_prompts
        self.budget = budget
        self.prices = price_table or prices.load()
        self.context_tokens = context_tokens
        self.unpriced: set[str] = set()  # models already warned about

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        cache: LLMCache | None = None,
        limiter: RateLimiter | None = None,
        budget: TokenBudget | None = None,
    ) -> LLMGateway:
        return cls(
            build_provider(settings),
            cache=cache,
            cache_streaming=settings.llm_cache_streaming,
            limiter=limiter,
            redactor=Redactor(secret_values(dict(settings))),  # no secret in its errors
            log_content=settings.log_content,
            redact_prompts=settings.redact_prompts,
            budget=budget,
            price_table=prices.load(settings.llm_prices_file),
            context_tokens=settings.llm_context_tokens,
        )

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def model(self) -> str:
        return self.provider.model

    async def complete(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        *,
        rate_key: str | None = None,
        schema: OutputSchema | None = None,
        check: Callable[[Completion], object] | None = None,
    ) -> Completion:
        """The completion of ``messages`` under ``prompt``; ProviderError if there is none.

        With a ``schema``, the provider is asked for JSON; ``check`` vets the completion
        before it is cached (``InvalidOutput`` if it does not match; see ``complete_json``).
        """
        await self._within_budget(rate_key)
        use_cache = self.cache is not None
        call = self._begin(
            prompt, messages, rate_key, stream=False, cached=use_cache, schema=schema
        )
        with self._recorded(call):
            cached = await self._lookup(call)
            if cached is not None:
                return await self._done(call, cached, check)
            try:
                if schema is None:
                    reply = await self.provider.complete(prompt.text, call.messages)
                else:
                    reply = await self.provider.complete(prompt.text, call.messages, schema)
            except Exception as exc:
                raise self._failure(exc) from exc
            return await self._done(call, reply, check)

    async def complete_json(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        model_type: type[T],
        *,
        rate_key: str | None = None,
    ) -> Structured[T]:
        """``model_type`` filled in by the model, validated; see ``structured.py``."""
        return await complete_json(self, prompt, messages, model_type, rate_key=rate_key)

    async def stream(
        self, prompt: Prompt, messages: Sequence[ChatMessage], *, rate_key: str | None = None
    ) -> AsyncIterator[str | Completion]:
        """Text deltas, then the final ``Completion``; ProviderError if it does not come."""
        await self._within_budget(rate_key)
        cached_ok = self.cache is not None and self.cache_streaming
        call = self._begin(prompt, messages, rate_key, stream=True, cached=cached_ok)
        with self._recorded(call):
            final = await self._lookup(call)
            if final is not None:
                words = final.text.split(" ")  # replayed like a live stream
                for index, word in enumerate(words):
                    yield word if index == len(words) - 1 else word + " "
            else:
                try:
                    async for item in self.provider.stream(prompt.text, call.messages):
                        if isinstance(item, Completion):
                            final = item
                        else:
                            yield item
                except Exception as exc:
                    raise self._failure(exc) from exc
                if final is None:
                    raise ProviderError(f"{self.name} ended the stream without a completion")
            yield await self._done(call, final)

    async def _within_budget(self, rate_key: str | None) -> None:
        """BudgetExceeded (no call made) once the caller spent the day's tokens: a job's next
        call, or a request that raced past its route's check."""
        if self.budget is not None:
            await self.budget.check(rate_key)

    @contextmanager
    def _recorded(self, call: _Call) -> Iterator[None]:
        """One ``llm.call`` event (and span: ``tracing``) per call, however it ends."""
        try:
            with model_call(self.name, self.model, call.prompt.text, call):
                yield
        except ProviderError as exc:
            call.outcome, call.error = "error", exc
            raise
        finally:
            self._log(call)

    def _begin(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        rate_key: str | None,
        *,
        stream: bool,
        cached: bool,
        schema: OutputSchema | None = None,
    ) -> _Call:
        fitted = context.fit(prompt.text, messages, self.context_tokens)
        if fitted.dropped:
            log.info(
                "llm.context_trimmed",
                dropped=fitted.dropped,
                estimated_before=fitted.estimated_before,
                estimated_after=fitted.estimated_after,
                limit=self.context_tokens,
            )
            messages = fitted.messages
        if self.redact_prompts:
            messages = [ChatMessage(message.role, mask(message.content)) for message in messages]
        key = None
        if cached and self.cache is not None:
            material = [self.name, self.model, prompt.version_tag, prompt.text]
            if schema is not None:
                material += [schema.name, str(sorted(schema.schema.items()))]
            key = self.cache.key(material, messages)
        call = _Call(prompt, messages, stream, rate_key, key, schema)
        call.cache = "off" if key is None else "miss"
        return call

    async def _lookup(self, call: _Call) -> Completion | None:
        if self.cache is None or call.cache_key is None:
            return None
        found = await self.cache.get(call.cache_key)
        if found is not None:
            call.cache = "hit"
        return found

    async def _done(
        self,
        call: _Call,
        completion: Completion,
        check: Callable[[Completion], object] | None = None,
    ) -> Completion:
        """Check, cache and account for a completion: the same steps, streamed or not."""
        if not completion.text.strip():
            raise ProviderError(f"{self.name} returned an empty completion")
        if self.limiter is not None:
            await self.limiter.add_tokens(call.rate_key, completion.usage.total)
        if self.budget is not None:
            await self.budget.add(call.rate_key, completion.usage.total)
        completion = self._priced(call, completion)
        call.usage, call.completion = completion.usage, completion
        call.cost, call.currency = completion.cost, completion.currency
        if check is not None:
            try:
                check(completion)
            except InvalidOutput:  # neither cached nor returned
                call.outcome = "invalid_output"
                raise
        if self.cache is not None and call.cache_key is not None and call.cache == "miss":
            await self.cache.put(call.cache_key, completion)
        call.outcome = "ok"
        return completion

    def _priced(self, call: _Call, completion: Completion) -> Completion:
        """The completion with its cost: 0 from the cache, None for a model without a price."""
        price = self.prices.find(self.name, completion.model, self.model)
        if price is None:
            if completion.model not in self.unpriced:
                self.unpriced.add(completion.model)
                log.warning("llm.price_unknown", provider=self.name, model=completion.model)
            return replace(completion, cost=None, currency=None)
        usage = completion.usage
        cost = 0.0 if call.cache == "hit" else price.cost(usage.input_tokens, usage.output_tokens)
        return replace(completion, cost=cost, currency=price.currency)

    def _failure(self, exc: Exception) -> ProviderError:
        """``exc``, whatever it is, as a ProviderError with a short message free of secrets."""
        if isinstance(exc, ProviderError):
            message = str(exc)
        else:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            message = f"{self.name} {_fault(exc)} ({detail})"
        message = " ".join(self.redactor.text(message).split())  # secrets out, then shorten
        if len(message) > MESSAGE_LIMIT:
            message = message[: MESSAGE_LIMIT - 3] + "..."
        return ProviderError(message)

    def _log(self, call: _Call) -> None:
        log.info(
            "llm.call",
            provider=self.name,
            model=self.model,
            prompt_version=call.prompt.version_tag,
            input_tokens=call.usage.input_tokens,
            output_tokens=call.usage.output_tokens,
            cost=call.cost,
            currency=call.currency,
            latency_ms=round((time.perf_counter() - call.started) * 1000, 1),
            outcome=call.outcome,
            stream=call.stream,
            cache=call.cache,
            **({"error": str(call.error)} if call.error is not None else {}),
            **(self._content(call) if self.log_content else {}),
        )

    @staticmethod
    def _content(call: _Call) -> dict[str, object]:
        """The call's messages and reply, masked: logged only with ``LOG_CONTENT=true``."""
        messages = [{"role": m.role, "content": mask(m.content)} for m in call.messages]
        reply = call.completion.text if call.completion is not None else ""
        return {"messages": messages, "response": mask(reply)}

    async def ping(self) -> str:
        try:
            return await self.provider.ping()
        except Exception as exc:
            raise self._failure(exc) from exc

    async def aclose(self) -> None:
        await self.provider.aclose()
