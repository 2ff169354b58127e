"""Rate limits per API key, or per client address when ``API_KEYS`` is unset.

``RATE_LIMIT_RPM`` counts requests and ``RATE_LIMIT_TPM`` LLM tokens, in one-minute windows.
With Redis the counters are shared by every process; without it each process counts alone.
If Redis is unreachable the limits are not enforced (logged), rather than failing requests.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Annotated

import structlog
from fastapi import Depends, Request

from .errors import ApiError
from .redis_client import LazyRedis, redis_errors
from .settings import Settings

log = structlog.get_logger(__name__)
WINDOW_S = 60


class RateLimiter:
    """A sliding-window counter: this minute's count plus the share of the last minute's
    count that still falls inside the past 60 seconds. No burst of twice the limit across a
    minute boundary, and two numbers per identity to store.
    """

    def __init__(self, settings: Settings, redis: LazyRedis | None) -> None:
        self.rpm = settings.rate_limit_rpm
        self.tpm = settings.rate_limit_tpm
        self.prefix = f"{settings.redis_key_prefix}:rl"
        self.redis = redis
        self.local: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.rpm or self.tpm)

    async def _counts(self, key: str, amount: int, window: int) -> tuple[int, int] | None:
        """Add to this window's counter; return (previous, current), or None if Redis is down."""
        current, previous = f"{self.prefix}:{key}:{window}", f"{self.prefix}:{key}:{window - 1}"
        if self.redis is None:
            for stale in [
                k for k in self.local if not k.endswith((f":{window}", f":{window - 1}"))
            ]:
                del self.local[stale]
            self.local[current] = self.local.get(current, 0) + amount
            return self.local.get(previous, 0), self.local[current]
        try:
            client = await self.redis.client()
            async with client.pipeline(transaction=True) as pipe:
                pipe.incrby(current, amount)
                pipe.expire(current, WINDOW_S * 2)
                pipe.get(previous)
                now_count, _, before = await pipe.execute()
            return int(before or 0), int(now_count)
        except redis_errors() as exc:
            log.warning("rate_limit.degraded", error=type(exc).__name__)
            return None

    async def _check(self, key: str, amount: int, limit: int, what: str) -> None:
        now = time.time()
        window, elapsed = int(now // WINDOW_S), (now % WINDOW_S) / WINDOW_S
        counts = await self._counts(key, amount, window)
        if counts is None:
            return
        previous, current = counts
        used = previous * (1 - elapsed) + current
        if used <= limit - (0 if amount else 1):
            return
        # When will the estimate fall back under the limit, with no further traffic?
        if current < limit:  # once enough of the last minute's share has slid out
            wait = ((1 - (limit - current) / previous) - elapsed) * WINDOW_S
        else:  # next minute, once enough of this minute's count has slid out
            wait = (1 - elapsed + max(0.0, 1 - (limit - 1) / current)) * WINDOW_S
        retry_after = min(WINDOW_S, max(1, math.ceil(wait)))  # a hint, at most a minute
        raise RateLimited(f"more than {limit} {what} per minute", retry_after)

    async def hit(self, who: str) -> None:
        """Count one request; raise 429 when the requests or tokens of the last minute are spent."""
        if self.rpm:
            await self._check(f"req:{who}", 1, self.rpm, "requests")
        if self.tpm:
            await self._check(f"tok:{who}", 0, self.tpm, "LLM tokens")

    async def add_tokens(self, who: str | None, tokens: int | None) -> None:
        if self.tpm and who and tokens:
            await self._counts(f"tok:{who}", tokens, int(time.time() // WINDOW_S))


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
