"""A daily LLM token budget per key owner (or client address): ``TOKEN_BUDGET_PER_DAY``.

Reserve, then settle. A call is let in while the tokens its caller used today plus those
its calls under way hold are under the budget; it then holds its worst case (its input
estimate plus ``LLM_MAX_OUTPUT_TOKENS``: ``reserve``), and once it ends, however it ends,
gives that back and adds what it used (``settle``). So parallel calls cannot overshoot the
budget by more than one call's reservation, and a refused call holds nothing. Once the day's
tokens reach the budget, the routes that call a model answer 429 ``budget_exceeded`` until
UTC midnight, with ``Retry-After`` (seconds) and ``reset_at`` (in the body) saying when; a
job queued before is refused by the gateway when it next calls the model, and fails with
``budget_exceeded``.

With Redis the counters are shared by every process: the day's tokens in a counter that
expires after the day, the reservations in a sorted set scored by their deadline, both
checked and changed in one Lua script. A reservation lapses ``HOLD_S`` after it was made,
so a process that dies mid-call holds nothing for longer. Without Redis each process counts
alone. If Redis is unreachable the budget is not enforced (logged), like the rate limits.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, cast

import structlog

from .errors import ApiError
from .redis_client import LazyRedis, redis_errors
from .settings import Settings
from .timestamps import isoformat

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

log = structlog.get_logger(__name__)
KEEP_S = 2 * 24 * 3600  # a day's counter outlives its day, whatever the clocks say
HOLD_S = 900  # a reservation no call settled (its process died) lapses after this long

# Admit and hold in one step, so that concurrent calls cannot all pass on the same count.
# KEYS: the day's counter, the day's reservations (member "id:tokens", score: deadline ms).
# ARGV: limit, tokens to hold, reservation id, now (ms), deadline (ms), keep (s).
# Returns {admitted, used, held}: held by the others, before this reservation.
RESERVE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local held = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  held = held + tonumber(string.match(member, ':(%d+)$'))
end
if used + held >= tonumber(ARGV[1]) then
  return {0, used, held}
end
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3] .. ':' .. ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, used, held}
"""


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


@dataclass(frozen=True)
class Hold:
    """Tokens held for one call under way, until it settles."""

    account: str
    tokens: int
    day: str  # the day's keys it was made under: settled there, whenever the call ends
    member: str  # "id:tokens", its entry in the day's reservations


def _midnight_after(at: datetime) -> datetime:
    return datetime(at.year, at.month, at.day, tzinfo=UTC) + timedelta(days=1)


class TokenBudget:
    def __init__(self, settings: Settings, redis: LazyRedis | None) -> None:
        self.limit = settings.token_budget_per_day
        self.prefix = f"{settings.redis_key_prefix}:budget"
        self.redis = redis
        self.local: dict[str, int] = {}  # without Redis: tokens used, by day's key
        self.held: dict[str, dict[str, tuple[int, float]]] = {}  # day's key -> member: hold
        self.local_day: date | None = None
        self.script: AsyncScript | None = None

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _key(self, account: str, day: str) -> str:
        return f"{self.prefix}:{day}:{account}"

    def _held_key(self, account: str, day: str) -> str:
        return f"{self.prefix}-held:{day}:{account}"

    def _forget_old_days(self, at: datetime) -> None:
        if self.local_day != at.date():
            self.local, self.held, self.local_day = {}, {}, at.date()

    def _local_held(self, account: str, day: str, at: datetime) -> dict[str, tuple[int, float]]:
        """This process's reservations of ``account`` on ``day``, the lapsed ones dropped."""
        holds = self.held.setdefault(self._held_key(account, day), {})
        for member in [m for m, (_, deadline) in holds.items() if deadline <= at.timestamp()]:
            del holds[member]
        return holds

    async def spent(self, account: str, at: datetime) -> int:
        """The tokens ``account`` used on ``at``'s UTC day (0 if Redis is unreachable)."""
        key = self._key(account, f"{at:%Y-%m-%d}")
        if self.redis is None:
            return self.local.get(key, 0)
        try:
            value = await (await self.redis.client()).get(key)
        except redis_errors() as exc:
            log.warning("budget.degraded", error=type(exc).__name__)
            return 0
        return int(value or 0)

    async def reserved(self, account: str, at: datetime) -> int:
        """The tokens the calls of ``account`` under way hold on ``at``'s UTC day."""
        day = f"{at:%Y-%m-%d}"
        if self.redis is None:
            return sum(tokens for tokens, _ in self._local_held(account, day, at).values())
        try:
            client = await self.redis.client()
            key = self._held_key(account, day)
            await client.zremrangebyscore(key, "-inf", _ms(at))
            members = cast(list[bytes], await client.zrange(key, 0, -1))
        except redis_errors() as exc:
            log.warning("budget.degraded", error=type(exc).__name__)
            return 0
        return sum(int(member.rsplit(b":", 1)[1]) for member in members)

    async def check(self, account: str | None) -> None:
        """Raise ``BudgetExceeded`` if the tokens ``account`` used and holds reach the budget."""
        if not (self.enabled and account):
            return
        at = now()
        if await self.spent(account, at) + await self.reserved(account, at) >= self.limit:
            raise BudgetExceeded(self.limit, _midnight_after(at), at)

    async def reserve(self, account: str | None, tokens: int) -> Hold | None:
        """Hold ``tokens`` for a call of ``account``, if what they used and hold is under the
        budget; else raise ``BudgetExceeded``, holding nothing. None: nothing to hold (no
        budget, no caller, or Redis unreachable: not enforced)."""
        if not (self.enabled and account):
            return None
        at = now()
        day = f"{at:%Y-%m-%d}"
        hold = Hold(account, tokens, day, f"{uuid.uuid4().hex}:{tokens}")
        if self.redis is None:
            self._forget_old_days(at)
            holds = self._local_held(account, day, at)
            used = self.local.get(self._key(account, day), 0)
            if used + sum(held for held, _ in holds.values()) >= self.limit:
                raise BudgetExceeded(self.limit, _midnight_after(at), at)
            holds[hold.member] = (tokens, at.timestamp() + HOLD_S)
            return hold
        try:
            client = await self.redis.client()
            if self.script is None:
                self.script = client.register_script(RESERVE_SCRIPT)
            keys = [self._key(account, day), self._held_key(account, day)]
            args: list[str | int] = [self.limit, tokens, hold.member.split(":")[0], _ms(at)]
            args += [_ms(at) + HOLD_S * 1000, KEEP_S]
            admitted, *_ = await self.script(keys=keys, args=args, client=client)
        except redis_errors() as exc:
            log.warning("budget.degraded", error=type(exc).__name__)
            return None
        if int(admitted) != 1:
            raise BudgetExceeded(self.limit, _midnight_after(at), at)
        return hold

    async def settle(self, hold: Hold | None, account: str | None, tokens: int) -> None:
        """Give back what ``hold`` held (if any) and add the ``tokens`` the call used."""
        if hold is None:
            await self.add(account, tokens)
            return
        if self.redis is None:
            self.held.get(self._held_key(hold.account, hold.day), {}).pop(hold.member, None)
            await self.add(hold.account, tokens)
            return
        at = now()
        key = self._key(hold.account, f"{at:%Y-%m-%d}")
        try:
            client = await self.redis.client()
            async with client.pipeline(transaction=True) as pipe:
                pipe.zrem(self._held_key(hold.account, hold.day), hold.member)
                if tokens:
                    pipe.incrby(key, tokens)
                    pipe.expire(key, KEEP_S)
                await pipe.execute()
        except redis_errors() as exc:
            log.warning("budget.degraded", error=type(exc).__name__)

    async def add(self, account: str | None, tokens: int) -> None:
        """Count the tokens a call used (never refused: they are spent)."""
        if not (self.enabled and account and tokens):
            return
        at = now()
        key = self._key(account, f"{at:%Y-%m-%d}")
        if self.redis is None:
            self._forget_old_days(at)
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


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
