"""Rate limits per API key, or per client address when ``API_KEYS`` is unset.

``RATE_LIMIT_RPM`` counts requests and ``RATE_LIMIT_TPM`` LLM tokens, in one-minute windows.
With Redis the counters are shared by every process; without it each process counts alone.
If Redis is unreachable the limits are not enforced (logged), rather than failing requests.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from typing import Annotated

import structlog
from fastapi import Depends, Request

from .errors import ApiError
from .redis_client import LazyRedis, redis_errors
from .settings import Settings

log = structlog.get_logger(__name__)
WINDOW_S = 60


def _window() -> tuple[int, int]:
    now = time.time()
    start = int(now // WINDOW_S)
    return start, max(1, int((start + 1) * WINDOW_S - now))


class RateLimiter:
    def __init__(self, settings: Settings, redis: LazyRedis | None) -> None:
        self.rpm = settings.rate_limit_rpm
        self.tpm = settings.rate_limit_tpm
        self.prefix = f"{settings.redis_key_prefix}:rl"
        self.redis = redis
        self.local: defaultdict[str, int] = defaultdict(int)
        self.local_window = 0

    @property
    def enabled(self) -> bool:
        return bool(self.rpm or self.tpm)

    async def _add(self, key: str, amount: int) -> int | None:
        """Add to a counter of the current window; None when Redis is unreachable."""
        window, _ = _window()
        full = f"{self.prefix}:{key}:{window}"
        if self.redis is None:
            if window != self.local_window:  # a new minute: forget the old counts
                self.local.clear()
                self.local_window = window
            self.local[full] += amount
            return self.local[full]
        try:
            client = await self.redis.client()
            async with client.pipeline(transaction=True) as pipe:
                pipe.incrby(full, amount)
                pipe.expire(full, WINDOW_S * 2)
                count, _ = await pipe.execute()
            return int(count)
        except redis_errors() as exc:
            log.warning("rate_limit.degraded", error=type(exc).__name__)
            return None

    async def hit(self, who: str) -> None:
        """Count one request; raise 429 when the requests or tokens of this minute are spent."""
        _, retry_after = _window()
        requests = await self._add(f"req:{who}", 1)
        if self.rpm and requests is not None and requests > self.rpm:
            raise RateLimited(f"more than {self.rpm} requests per minute", retry_after)
        if self.tpm:
            tokens = await self._add(f"tok:{who}", 0)
            if tokens is not None and tokens >= self.tpm:
                raise RateLimited(f"more than {self.tpm} LLM tokens per minute", retry_after)

    async def add_tokens(self, who: str | None, tokens: int | None) -> None:
        if self.tpm and who and tokens:
            await self._add(f"tok:{who}", tokens)


class RateLimited(ApiError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, "rate_limited", message, {"Retry-After": str(retry_after)})


def client_identity(request: Request) -> str:
    """A hash of the bearer key when keys are in use, else the client's address."""
    if request.app.state.api_keys:
        token = request.headers.get("authorization", "").partition(" ")[2]
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return "ip:" + (request.client.host if request.client else "unknown")


async def enforce(request: Request) -> str:
    who = client_identity(request)
    limiter: RateLimiter = request.app.state.services.limiter
    if limiter.enabled:
        await limiter.hit(who)
    return who


RateLimitDep = Annotated[str, Depends(enforce)]
