"""Rate limits per key owner, or per client address when ``API_KEYS`` is unset.

``RATE_LIMIT_RPM`` counts requests and ``RATE_LIMIT_TPM`` LLM tokens, in one-minute windows.
With Redis the counters are shared by every process; without it each process counts alone.
If Redis is unreachable the limits are not enforced (logged), rather than failing requests.

A refused request is not counted, so a client that keeps retrying is let in again as soon
as its window allows; ``Retry-After`` says when that is, given no other traffic.

LLM tokens are reserved, then settled: a call is let in while the tokens of the last minute,
those held by calls under way included, are under ``RATE_LIMIT_TPM``; it then holds its
worst case in this window (``reserve_tokens``, checked and added in one step), and once it
ends gives it back and adds what it used (``settle_tokens``). A window's counter expires two
windows later, so a call whose process died holds nothing for longer than that.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from .errors import ApiError
from .redis_client import LazyRedis, redis_errors
from .settings import Settings

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

log = structlog.get_logger(__name__)
WINDOW_S = 60
WINDOW_MS = WINDOW_S * 1000


def clock_ms() -> int:
    """Milliseconds since the epoch: the limiter's only clock (tests replace it)."""
    return time.time_ns() // 1_000_000


# Check and count in one step, so that concurrent requests cannot overshoot the limit:
# if the sliding estimate is under the limit, add ARGV[2] to this window; else count nothing.
# KEYS: this window's counter, the previous window's. ARGV: limit, amount, window length
# and time elapsed in this window (ms). Returns {allowed, previous count, current count}.
TAKE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit, amount = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, elapsed = tonumber(ARGV[3]), tonumber(ARGV[4])
if previous * (window - elapsed) + current * window >= limit * window then
  return {0, previous, current}
end
if amount > 0 then
  current = redis.call('INCRBY', KEYS[1], amount)
  redis.call('PEXPIRE', KEYS[1], 2 * window)
end
return {1, previous, current}
"""


# Give back tokens held in a window, if its counter is still there; never below 0.
# KEYS: the window's counter. ARGV: the tokens held.
RELEASE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local left = redis.call('DECRBY', KEYS[1], ARGV[1])
  if left < 0 then redis.call('INCRBY', KEYS[1], -left) end
end
return 1
"""


@dataclass(frozen=True)
class TokenHold:
    """LLM tokens held in one window's counter for a call under way, until it settles."""

    account: str
    tokens: int
    counter: str


def fits(previous: int, current: int, limit: int, elapsed_ms: int) -> bool:
    """Whether the sliding estimate is under the limit (the script's test, exactly)."""
    return previous * (WINDOW_MS - elapsed_ms) + current * WINDOW_MS < limit * WINDOW_MS


def wait_ms(previous: int, current: int, limit: int, elapsed_ms: int) -> int:
    """The least wait until ``fits``, with no further traffic (the estimate only falls)."""
    if current < limit:  # later in this window, once enough of the last one slid out
        return WINDOW_MS + 1 - _ceil_div((limit - current) * WINDOW_MS, previous) - elapsed_ms
    # in the next window, where this window's count is the one sliding out
    return 2 * WINDOW_MS + 1 - _ceil_div(limit * WINDOW_MS, current) - elapsed_ms


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


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
        self.local_window = 0
        self.script: AsyncScript | None = None
        self.release: AsyncScript | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.rpm or self.tpm)

    def _keys(self, key: str, window: int) -> tuple[str, str]:
        return f"{self.prefix}:{key}:{window}", f"{self.prefix}:{key}:{window - 1}"

    def _local_counts(self, key: str, window: int) -> tuple[str, int, int]:
        """This window's key, and the previous and current counts (without Redis)."""
        if window != self.local_window:  # forget the windows that no longer count
            keep = (f":{window}", f":{window - 1}")
            self.local = {k: v for k, v in self.local.items() if k.endswith(keep)}
            self.local_window = window
        current, previous = self._keys(key, window)
        return current, self.local.get(previous, 0), self.local.get(current, 0)

    async def _take(self, key: str, limit: int, amount: int) -> int:
        """If one more fits under ``limit``, add ``amount`` and return 0; else count nothing
        and return the milliseconds until one more fits. Redis down: 0, logged."""
        window, elapsed = divmod(clock_ms(), WINDOW_MS)
        return await self._take_in(key, window, elapsed, limit, amount) or 0

    async def _take_in(
        self, key: str, window: int, elapsed: int, limit: int, amount: int
    ) -> int | None:
        """``_take`` in a given window; None when Redis is unreachable (logged)."""
        if self.redis is None:
            counter, previous, current = self._local_counts(key, window)
            allowed = fits(previous, current, limit, elapsed)
            if allowed and amount:
                self.local[counter] = current + amount
        else:
            try:
                client = await self.redis.client()
                if self.script is None:
                    self.script = client.register_script(TAKE_SCRIPT)
                args = [limit, amount, WINDOW_MS, elapsed]
                reply = await self.script(keys=self._keys(key, window), args=args, client=client)
                flag, previous, current = (int(n) for n in reply)
                allowed = flag == 1
            except redis_errors() as exc:
                log.warning("rate_limit.degraded", error=type(exc).__name__)
                return None
        return 0 if allowed else wait_ms(previous, current, limit, elapsed)

    async def hit(self, account: str) -> None:
        """Count one request; raise 429, counting nothing, when the requests or tokens of the
        last minute are spent. ``Retry-After`` is when both limits will let it in."""
        refusals: list[tuple[int, str]] = []
        # Tokens are held by calls (reserve_tokens), then charged: here they are only looked at.
        if self.tpm and (wait := await self._take(f"tok:{account}", self.tpm, 0)):
            refusals.append((wait, f"more than {self.tpm} LLM tokens per minute"))
        count = 0 if refusals else 1  # a refused request counts for nothing
        if self.rpm and (wait := await self._take(f"req:{account}", self.rpm, count)):
            refusals.append((wait, f"more than {self.rpm} requests per minute"))
        if refusals:
            retry_after = max(1, math.ceil(max(wait for wait, _ in refusals) / 1000))
            raise RateLimited("; ".join(message for _, message in refusals), retry_after)

    async def reserve_tokens(self, account: str | None, tokens: int) -> TokenHold | None:
        """Hold ``tokens`` in this window for an LLM call of ``account``, if the last minute's
        tokens (held ones included) are under ``RATE_LIMIT_TPM``; else raise 429, holding
        nothing. None: nothing held (no limit, no caller, or Redis unreachable)."""
        if not (self.tpm and account):
            return None
        key = f"tok:{account}"
        window, elapsed = divmod(clock_ms(), WINDOW_MS)
        wait = await self._take_in(key, window, elapsed, self.tpm, tokens)
        if wait is None:  # Redis unreachable: not enforced, nothing held
            return None
        if wait:
            retry_after = max(1, math.ceil(wait / 1000))
            raise RateLimited(f"more than {self.tpm} LLM tokens per minute", retry_after)
        return TokenHold(account, tokens, self._keys(key, window)[0])

    async def settle_tokens(self, hold: TokenHold | None, account: str | None, tokens: int) -> None:
        """Give back what ``hold`` held (if its window still counts) and charge ``tokens``."""
        if hold is not None:
            await self._release(hold)
        await self.add_tokens(account, tokens)

    async def _release(self, hold: TokenHold) -> None:
        if self.redis is None:
            if hold.counter in self.local:
                self.local[hold.counter] = max(0, self.local[hold.counter] - hold.tokens)
            return
        try:
            client = await self.redis.client()
            if self.release is None:
                self.release = client.register_script(RELEASE_SCRIPT)
            await self.release(keys=[hold.counter], args=[hold.tokens], client=client)
        except redis_errors() as exc:
            log.warning("rate_limit.degraded", error=type(exc).__name__)

    async def tokens(self, account: str) -> int:
        """The LLM tokens counted for ``account`` in this window, held ones included."""
        key, window = f"tok:{account}", clock_ms() // WINDOW_MS
        if self.redis is None:
            return self._local_counts(key, window)[2]
        try:
            value = await (await self.redis.client()).get(self._keys(key, window)[0])
        except redis_errors() as exc:
            log.warning("rate_limit.degraded", error=type(exc).__name__)
            return 0
        return int(value or 0)

    async def add_tokens(self, account: str | None, tokens: int | None) -> None:
        """Charge the tokens an LLM call used to this window (never refused: already spent)."""
        if not (self.tpm and account and tokens):
            return
        key, window = f"tok:{account}", clock_ms() // WINDOW_MS
        if self.redis is None:
            counter, _, current = self._local_counts(key, window)
            self.local[counter] = current + tokens
            return
        counter = self._keys(key, window)[0]
        try:
            client = await self.redis.client()
            async with client.pipeline(transaction=True) as pipe:
                pipe.incrby(counter, tokens)
                pipe.pexpire(counter, 2 * WINDOW_MS)
                await pipe.execute()
        except redis_errors() as exc:
            log.warning("rate_limit.degraded", error=type(exc).__name__)


class RateLimited(ApiError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, "rate_limited", message, {"Retry-After": str(retry_after)})
