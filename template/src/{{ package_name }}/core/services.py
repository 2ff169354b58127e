"""What request handlers and background work need, built once per process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic_settings import BaseSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ..llm.cache import LLMCache
from ..llm.gateway import LLMGateway
from .budget import TokenBudget
from .database import create_engine, sessionmaker
from .rate_limit import RateLimiter
from .redis_client import LazyRedis
from .settings import Settings

S = TypeVar("S", bound=BaseSettings)


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    llm: LLMGateway
    shutdown: asyncio.Event
    redis: LazyRedis | None
    limiter: RateLimiter
    budget: TokenBudget
    _configs: dict[type[BaseSettings], BaseSettings] = field(default_factory=dict)

    def config(self, kind: type[S]) -> S:
        """A feature's own settings (its ``settings.py``), read from the environment once."""
        if kind not in self._configs:
            self._configs[kind] = kind()
        found = self._configs[kind]
        assert isinstance(found, kind)
        return found


def build_services(settings: Settings, shutdown: asyncio.Event) -> Services:
    engine = create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    redis = LazyRedis(settings.redis_url.get_secret_value()) if settings.redis_url else None
    cache = None
    if redis is not None and settings.llm_cache_ttl_s:
        cache = LLMCache(redis, settings.redis_key_prefix, settings.llm_cache_ttl_s)
    limiter = RateLimiter(settings, redis)
    budget = TokenBudget(settings, redis)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine),
        llm=LLMGateway.from_settings(settings, cache, limiter, budget),
        shutdown=shutdown,
        redis=redis,
        limiter=limiter,
        budget=budget,
    )


async def close_services(services: Services) -> None:
    await services.llm.aclose()
    await services.engine.dispose()
    if services.redis is not None:
        await services.redis.aclose()
