"""A daily LLM token budget per key owner (or client address): ``TOKEN_BUDGET_PER_DAY``.

The tokens of every call (input and output) are added once it is done, to a counter for the
caller and the UTC day; with Redis the counter is shared by every process (its key expires
after the day), without it each process counts alone. Once the day's tokens reach the budget,
the routes that call a model answer 429 ``budget_exceeded`` until UTC midnight, with
``Retry-After`` (seconds) and ``reset_at`` (in the body) saying when; a job queued before is
refused by the gateway when it next calls the model, and fails with ``budget_exceeded``.
A call under way is never cut: the budget can be overshot by the calls that start before it
is spent. If Redis is unreachable the budget is not enforced (logged), like the rate limits.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import Depends, Request

from .errors import ApiError
from .rate_limit import enforce
from .redis_client import LazyRedis, redis_errors
from .settings import Settings
from .timestamps import isoformat

log = structlog.get_logger(__name__)
KEEP_S = 2 * 24 * 3600  # a day's counter outlives its day, whatever the clocks say


def now() -> datetime:
    """The budget's only clock (tests replace it)."""
    return datetime.now(UTC)


class BudgetExceeded(ApiError):
    """The caller spent the day's tokens: 429 with when the budget resets."""

    def __init__(self, limit: int, reset_at: datetime, at: datetime) -> None:
        retry_after = max(1, math.ceil((reset_at - at).total_seconds()))
        super().__init__(
            429,
            "budget_exceeded",
            f"the daily budget of {limit} LLM tokens is spent; it resets at {isoformat(reset_at)}",
            {"Retry-After": str(retry_after)},
            reset_at=isoformat(reset_at),
        )


class TokenBudget:
    def __init__(self, settings: Settings, redis: LazyRedis | None) -> None:
        self.limit = settings.token_budget_per_day
        self.prefix = f"{settings.redis_key_prefix}:budget"
        self.redis = redis
        self.local: dict[str, int] = {}
        self.local_day: date | None = None

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _key(self, who: str, at: datetime) -> str:
        return f"{self.prefix}:{at:%Y-%m-%d}:{who}"

    async def spent(self, who: str, at: datetime) -> int:
        """The tokens ``who`` used on ``at``'s UTC day (0 if Redis is unreachable)."""
        key = self._key(who, at)
        if self.redis is None:
            return self.local.get(key, 0)
        try:
            value = await (await self.redis.client()).get(key)
        except redis_errors() as exc:
            log.warning("budget.degraded", error=type(exc).__name__)
            return 0
        return int(value or 0)

    async def check(self, who: str | None) -> None:
        """Raise ``BudgetExceeded`` if ``who`` has spent the day's budget."""
        if not (self.enabled and who):
            return
        at = now()
        if await self.spent(who, at) >= self.limit:
            midnight = datetime(at.year, at.month, at.day, tzinfo=UTC) + timedelta(days=1)
            raise BudgetExceeded(self.limit, midnight, at)

    async def add(self, who: str | None, tokens: int) -> None:
        """Count the tokens a call used (never refused: they are spent)."""
        if not (self.enabled and who and tokens):
            return
        at = now()
        key = self._key(who, at)
        if self.redis is None:
            if self.local_day != at.date():  # forget the days gone by
                self.local, self.local_day = {}, at.date()
            self.local[key] = self.local.get(key, 0) + tokens
            return
        try:
            client = await self.redis.client()
            async with client.pipeline(transaction=True) as pipe:
                pipe.incrby(key, tokens)
                pipe.expire(key, KEEP_S)
                await pipe.execute()
        except redis_errors() as exc:
            log.warning("budget.degraded", error=type(exc).__name__)


async def within_budget(request: Request, who: Annotated[str, Depends(enforce)]) -> str:
    """Past the rate limits (``enforce``, which every ``/v1`` route runs first), refuse a
    caller whose budget is spent (429); return the key their tokens are charged to."""
    budget: TokenBudget = request.app.state.services.budget
    await budget.check(who)
    return who
