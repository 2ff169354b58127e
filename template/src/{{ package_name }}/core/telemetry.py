"""Traces and metrics by OTLP (OpenTelemetry), switched on by the standard ``OTEL_*`` variables.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` /
``..._METRICS_ENDPOINT``) set, and ``OTEL_SDK_DISABLED`` not ``true``, ``setup`` builds the SDK's
tracer and meter providers with OTLP/HTTP exporters, which read the other standard variables
themselves (headers, timeouts, ``OTEL_BSP_*``, ``OTEL_METRIC_EXPORT_INTERVAL``...). The
resource names the service (``OTEL_SERVICE_NAME``, else the project's name) and its release.
Without an endpoint nothing is set up and no SDK module is imported: startup stays fast and
every helper here costs one boolean check. The variables are read from the process
environment, as every OpenTelemetry SDK does, not from ``.env``.

Every process type (``cli.py``: the web server, background and admin processes) calls
``setup`` once, and ``shutdown`` on its way out (SIGTERM included): that flushes what is
still buffered.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .release import current

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

ENDPOINTS = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
)
CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# Probes would make most of the traces; OTEL_PYTHON_FASTAPI_EXCLUDED_URLS overrides this.
EXCLUDED_URLS = "healthz,readyz"
FLUSH_TIMEOUT_S = 3.0  # the most a process waits for its last export on its way out
SCOPE = __package__.rsplit(".", 1)[0] if __package__ else "service"

_providers: list[Any] = []  # the SDK's tracer and meter providers, once set up


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment asks for telemetry: an OTLP endpoint, and the SDK not disabled."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINTS)


def active() -> bool:
    return bool(_providers)


def capture_content() -> bool:
    """The standard GenAI switch: message content goes into spans only when it is ``true``."""
    return os.environ.get(CAPTURE_CONTENT, "").strip().lower() == "true"


def setup(service_name: str) -> bool:
    """Export traces and metrics if the environment asks for it; True if it does."""
    if _providers or not wanted():
        return bool(_providers)
    # optional SDK: OpenTelemetry, only when telemetry is on
    from opentelemetry import metrics, trace
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {"service.version": current().version}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = service_name
    resource = Resource.create(attributes)  # + OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    meter_provider = MeterProvider(
        resource=resource, metric_readers=[reader], shutdown_on_exit=False
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    _providers.extend([tracer_provider, meter_provider])
    return True


def shutdown(timeout_s: float = FLUSH_TIMEOUT_S) -> None:
    """Flush and stop the exporters, for at most ``timeout_s``; safe when nothing was set up.

    An exporter retries an unreachable collector for ``OTEL_EXPORTER_OTLP_TIMEOUT`` (10 s):
    past ``timeout_s`` the process exits anyway and what was still buffered is lost.
    """
    providers = list(_providers)
    _providers.clear()
    if not providers:
        return
    flushing = threading.Thread(target=lambda: [each.shutdown() for each in providers])
    flushing.daemon = True  # not waited for at exit
    flushing.start()
    flushing.join(timeout_s)


@contextmanager
def span(name: str, attributes: Mapping[str, str] | None = None) -> Iterator[None]:
    """A span around a block (an admin task, a job), current inside it; nothing when off."""
    if not _providers:
        yield
        return
    from opentelemetry import trace  # optional SDK: OpenTelemetry, only when telemetry is on

    tracer = trace.get_tracer(SCOPE)
    with tracer.start_as_current_span(name, attributes=attributes):
        yield


def carrier() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``), to send along a job."""
    if not _providers:
        return {}
    # optional SDK: OpenTelemetry, only when telemetry is on
    from opentelemetry.propagate import inject

    headers: dict[str, str] = {}
    inject(headers)
    return headers


@contextmanager
def continued(headers: Mapping[str, Any]) -> Iterator[None]:
    """Make the trace context ``headers`` carry (``carrier``'s) current inside the block."""
    if not _providers:
        yield
        return
    from opentelemetry import context  # optional SDK: OpenTelemetry, only when telemetry is on
    from opentelemetry.propagate import extract

    found = {key: value for key, value in headers.items() if isinstance(value, str)}
    token = context.attach(extract(found))
    try:
        yield
    finally:
        context.detach(token)


def current_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids in hex, for log lines; None outside a span."""
    if not _providers:
        return None
    from opentelemetry import trace  # optional SDK: OpenTelemetry, only when telemetry is on

    found = trace.get_current_span().get_span_context()
    if not found.is_valid:
        return None
    return format(found.trace_id, "032x"), format(found.span_id, "016x")


def instrument_app(app: FastAPI) -> None:
    """A server span for each HTTP request (probes excluded unless configured otherwise)."""
    if not _providers:
        return
    # optional SDK: OpenTelemetry, only when telemetry is on
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    excluded = os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS", EXCLUDED_URLS)
    # No span per ASGI message ("http send"...): a third of the spans, and of their cost.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=excluded, exclude_spans=["receive", "send"]
    )


def instrument_engine(engine: AsyncEngine) -> None:
    """A client span for each database statement of ``engine``.

    The engine's tracer is attached directly: the instrumentor's own entry point checks a
    SQLAlchemy version range that 2.1 is outside of, and patches ``create_engine`` globally.
    """
    if not _providers:
        return
    # optional SDK: OpenTelemetry, only when telemetry is on
    from opentelemetry import metrics, trace
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    scope = "opentelemetry.instrumentation.sqlalchemy"
    usage = metrics.get_meter(scope).create_up_down_counter(
        "db.client.connections.usage",
        unit="connections",
        description="The number of connections in the state the attributes name.",
    )
    EngineTracer(trace.get_tracer(scope), engine.sync_engine, usage)  # type: ignore[no-untyped-call]
