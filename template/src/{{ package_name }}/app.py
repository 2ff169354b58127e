"""The web application: routes, middleware and error handling.

Every module in ``api/`` that defines ``router`` is mounted: a feature is its files.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from . import api, errors
from .jobs.queue import JobQueue
from .jobs.runner import JobRunner
from .request_id import RequestIdMiddleware
from .services import build_services, close_services
from .settings import Settings

log = structlog.get_logger(__name__)


def create_app(settings: Settings, shutdown: asyncio.Event | None = None) -> FastAPI:
    """Build the app. ``shutdown`` is set by the server when it receives SIGTERM."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, shutdown or asyncio.Event())
        jobs = JobQueue(settings, JobRunner(services).task())
        jobs.warn_if_in_process()
        app.state.services, app.state.jobs = services, jobs
        log.info(
            "app.started", llm_provider=services.provider.name, llm_model=services.provider.model
        )
        try:
            yield
        finally:
            await jobs.close()
            await close_services(services)
            log.info("app.stopped")

    app = FastAPI(title=__package__, lifespan=lifespan)
    app.state.api_keys = settings.api_key_set()
    app.add_middleware(RequestIdMiddleware)
    errors.install(app)
    for module_info in sorted(pkgutil.iter_modules(api.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{api.__name__}.{module_info.name}")
        if hasattr(module, "router"):
            app.include_router(module.router)
    return app
