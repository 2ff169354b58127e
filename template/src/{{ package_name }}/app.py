"""The web application: routes, middleware and error handling.

A feature is its files: every module in ``api/`` that defines ``router`` is mounted, one
that defines ``lifespan(app, services)`` has it entered at startup and left at shutdown, and
one that defines ``document(openapi, settings)`` adds what the settings say to the OpenAPI
document (limits, say).
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from types import ModuleType
from typing import Any

import structlog
from fastapi import FastAPI

from . import api, errors
from .body_limit import BodyLimitMiddleware
from .owners import ApiKeys
from .request_id import RequestIdMiddleware
from .responses import SafeJSONResponse
from .services import build_services, close_services
from .settings import Settings
from .unhandled import UnhandledErrorMiddleware

log = structlog.get_logger(__name__)


def _features() -> list[ModuleType]:
    names = sorted(module.name for module in pkgutil.iter_modules(api.__path__))
    return [importlib.import_module(f"{api.__name__}.{name}") for name in names]


def create_app(settings: Settings, shutdown: asyncio.Event | None = None) -> FastAPI:
    """Build the app. ``shutdown`` is set by the server when it receives SIGTERM."""
    features = _features()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, shutdown or asyncio.Event())
        app.state.services = services
        try:
            async with AsyncExitStack() as stack:
                for feature in features:
                    if hasattr(feature, "lifespan"):
                        await stack.enter_async_context(feature.lifespan(app, services))
                log.info(
                    "app.started",
                    llm_provider=services.provider.name,
                    llm_model=services.provider.model,
                )
                yield
        finally:
            await close_services(services)
            log.info("app.stopped")

    app = FastAPI(title=__package__, lifespan=lifespan, default_response_class=SafeJSONResponse)
    keys = settings.api_keys.get_secret_value() if settings.api_keys else None
    app.state.api_keys = ApiKeys.parse(keys)
    # Outermost last: the request id first, then the catch-all, then the body limit.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestIdMiddleware)
    errors.install(app)
    for feature in features:
        if hasattr(feature, "router"):
            app.include_router(feature.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            for feature in features:
                if hasattr(feature, "document"):
                    feature.document(document, settings)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app
