"""The web application: the features' routes, the middleware and the error handling.

Every feature (``composition.discover``, or the ones given) is mounted from its ``Feature``
(``core/feature.py``): its routers are included, its settings checked, its lifespan
entered at startup and left at shutdown, and its ``document`` adds to the OpenAPI document
what the settings say (limits, say).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI

from .composition import discover, open_services
from .core import errors, telemetry
from .core.body_limit import BodyLimitMiddleware
from .core.feature import Feature
from .core.owners import ApiKeys
from .core.request_id import RequestIdMiddleware
from .core.responses import SafeJSONResponse
from .core.settings import Settings
from .core.unhandled import UnhandledErrorMiddleware
from .llm.services import Services

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    features: Sequence[Feature[Services]] | None = None,
    shutdown: asyncio.Event | None = None,
) -> FastAPI:
    """Build the app, with every feature or the ones given (a test's subset, say).
    ``shutdown`` is set by the server when it receives SIGTERM."""
    features = discover() if features is None else tuple(features)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with (
                open_services(settings, shutdown or asyncio.Event()) as services,
                AsyncExitStack() as stack,
            ):
                app.state.services = services
                for feature in features:
                    for kind in feature.settings:
                        services.config(kind)  # a feature's bad setting stops the start
                    await stack.enter_async_context(feature.lifespan(app, services, features))
                log.info(
                    "app.started",
                    llm_provider=services.llm.name,
                    llm_model=services.llm.model,
                    features=[feature.name for feature in features],
                )
                if not app.state.api_keys:  # development only: production requires keys
                    log.warning("auth.disabled", reason="API_KEYS is unset: /v1 answers anyone")
                yield
        finally:
            log.info("app.stopped")

    app = FastAPI(
        title=__package__,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
        docs_url=None,  # features/docs serves /docs and /redoc itself, or not at all
        redoc_url=None,
    )
    keys = settings.api_keys.get_secret_value() if settings.api_keys else None
    app.state.api_keys = ApiKeys.parse(keys)
    # Outermost last: the request id first, then the catch-all, then the body limit.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestIdMiddleware)
    errors.install(app)
    telemetry.instrument_app(app)  # outermost: a span for each request, when telemetry is on
    for feature in features:
        for router in feature.routers:
            app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            for feature in features:
                feature.document(document, settings, features)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app
