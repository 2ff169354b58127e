"""What request handlers and background work are given, built once per process.

``Services`` holds the settings, the database, Redis, the limits and the model gateway:
it lives in the llm layer because it holds the gateway. The composition root
(``composition.py``) builds it; features and jobs receive it (a route by ``ServicesDep``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic_settings import BaseSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ..core.budget import TokenBudget
from ..core.rate_limit import RateLimiter
from ..core.redis_client import LazyRedis
from ..core.settings import Settings
from .gateway import LLMGateway

C = TypeVar("C", bound=BaseSettings)


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

    def config(self, kind: type[C]) -> C:
        """A feature's own settings (its ``settings.py``), read from the environment once."""
        if kind not in self._configs:
            self._configs[kind] = kind()
        found = self._configs[kind]
        assert isinstance(found, kind)
        return found


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
"""The process's database, gateway and limits, in a route."""
