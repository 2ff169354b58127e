"""One Redis client per process, created on first use.

The Redis client costs most of a second to import, so it is imported in a thread the first
time it is needed: startup stays fast and the event loop never blocks.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger(__name__)
TIMEOUT_S = 2.0


def _connect(url: str) -> Redis:
    from redis.asyncio import Redis  # start-up cost: redis (~0.3 s) once Redis is in use

    return Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)


class LazyRedis:
    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Redis | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Redis:
        async with self._lock:
            if self._client is None:
                self._client = await asyncio.to_thread(_connect, self.url)
            return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def redis_errors() -> tuple[type[Exception], ...]:
    """What a Redis outage raises (imported only once Redis is in use)."""
    from redis.exceptions import RedisError  # start-up cost: redis (~0.3 s) once Redis is in use

    return (RedisError, OSError, TimeoutError)
