"""What request handlers and background work need, built once per process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .db import create_engine, sessionmaker
from .llm.cache import LLMCache
from .llm.factory import build_provider
from .llm.logged import LoggedProvider
from .rate_limit import RateLimiter
from .redis_client import LazyRedis
from .settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    provider: LoggedProvider
    shutdown: asyncio.Event
    redis: LazyRedis | None
    limiter: RateLimiter


def build_services(settings: Settings, shutdown: asyncio.Event) -> Services:
    engine = create_engine(settings.database_url.get_secret_value())
    redis = LazyRedis(settings.redis_url.get_secret_value()) if settings.redis_url else None
    cache = None
    if redis is not None and settings.llm_cache_ttl_s:
        cache = LLMCache(redis, settings.redis_key_prefix, settings.llm_cache_ttl_s)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine),
        provider=build_provider(settings, cache),
        shutdown=shutdown,
        redis=redis,
        limiter=RateLimiter(settings, redis),
    )


async def close_services(services: Services) -> None:
    await services.provider.aclose()
    await services.engine.dispose()
    if services.redis is not None:
        await services.redis.aclose()


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
