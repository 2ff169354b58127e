"""The web application: routes, middleware and error handling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from . import errors, prompt_files
from .api import chat, health
from .db import create_engine, sessionmaker
from .llm.factory import build_provider
from .request_id import RequestIdMiddleware
from .services import Services
from .settings import Settings

log = structlog.get_logger(__name__)


def create_app(settings: Settings, shutdown: asyncio.Event | None = None) -> FastAPI:
    """Build the app. ``shutdown`` is set by the server when it receives SIGTERM."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url.get_secret_value())
        prompt = prompt_files.load("chat")
        provider = build_provider(settings, prompt.version_tag)
        app.state.services = Services(
            settings=settings,
            engine=engine,
            sessions=sessionmaker(engine),
            provider=provider,
            chat_prompt=prompt,
            shutdown=shutdown or asyncio.Event(),
        )
        log.info("app.started", llm_provider=provider.name, llm_model=provider.model)
        try:
            yield
        finally:
            await provider.aclose()
            await engine.dispose()
            log.info("app.stopped")

    app = FastAPI(title=__package__, lifespan=lifespan)
    app.state.api_keys = settings.api_key_set()
    app.add_middleware(RequestIdMiddleware)
    errors.install(app)
    app.include_router(health.router)
    app.include_router(chat.router)
    return app
