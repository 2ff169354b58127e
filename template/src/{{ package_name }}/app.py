"""The web application: the features' routes, the middleware and the error handling.

Each folder under ``features/`` is found and mounted (see ``features/__init__.py``): its
routers are included, its lifespan is entered at startup and left at shutdown, and its
``document`` adds to the OpenAPI document what the settings say (limits, say).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI

from .core import errors, telemetry
from .core.body_limit import BodyLimitMiddleware
from .core.owners import ApiKeys
from .core.request_id import RequestIdMiddleware
from .core.responses import SafeJSONResponse
from .core.services import build_services, close_services
from .core.settings import Settings
from .core.unhandled import UnhandledErrorMiddleware
from .features import discover

log = structlog.get_logger(__name__)


def create_app(settings: Settings, shutdown: asyncio.Event | None = None) -> FastAPI:
    """Build the app. ``shutdown`` is set by the server when it receives SIGTERM."""
    features = discover()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, shutdown or asyncio.Event())
        app.state.services = services
        try:
            async with AsyncExitStack() as stack:
                for feature in features:
                    for kind in feature.settings:
                        services.config(kind)  # a feature's bad setting stops the start
                    await stack.enter_async_context(feature.lifespan(app, services))
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
            await close_services(services)
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
                feature.document(document, settings)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app
