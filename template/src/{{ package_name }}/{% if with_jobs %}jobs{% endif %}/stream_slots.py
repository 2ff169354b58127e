"""At most ``EVENT_STREAMS_PER_OWNER`` job event streams open at once per owner.

With Redis the count is shared by every web process: one sorted set per owner holds a
member per open stream, scored by when it lapses. Each process renews its own streams'
members every ``RENEW_S``, so those of a process that died lapse within ``LAPSE_S``.
Without Redis, or while it cannot be reached (logged), each process counts its own streams.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING

import structlog

from ..core.errors import ApiError
from ..core.redis_client import LazyRedis, redis_errors

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

log = structlog.get_logger(__name__)
LAPSE_S = 30.0
RENEW_S = 10.0

# Forget the lapsed streams, then add this one if there is room: one step, so that streams
# opened at once on several processes cannot overshoot. KEYS: the owner's set. ARGV: now
# (ms), the limit, when this stream lapses (ms), its id, how long the set lives (ms).
TAKE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


RETRY_AFTER_S = 5


class TooManyStreams(ApiError):
    def __init__(self, limit: int) -> None:
        message = (
            f"too many event streams open: at most {limit} per owner "
            "(EVENT_STREAMS_PER_OWNER); close one, then retry"
        )
        # When a slot frees is the owner's to say; a few seconds keeps a retry loop gentle.
        super().__init__(429, "too_many_streams", message, {"Retry-After": str(RETRY_AFTER_S)})


class StreamSlots:
    def __init__(self, limit: int, redis: LazyRedis | None, prefix: str) -> None:
        self.limit = limit
        self.redis = redis
        self.prefix = f"{prefix}:jobs:streams"
        self.open: dict[str, set[str]] = {}  # owner -> this process's open streams
        self.script: AsyncScript | None = None

    def _key(self, owner: str) -> str:
        return f"{self.prefix}:{owner}"

    async def take(self, owner: str) -> str:
        """A slot for one more stream of ``owner``, or TooManyStreams (429)."""
        mine = self.open.setdefault(owner, set())
        if len(mine) >= self.limit:
            raise TooManyStreams(self.limit)
        slot = uuid.uuid4().hex
        mine.add(slot)  # held at once: concurrent takes in this process see it
        try:
            if not await self._take_shared(owner, slot):
                raise TooManyStreams(self.limit)
        except BaseException:
            self._forget(owner, slot)
            raise
        return slot

    async def give_back(self, owner: str, slot: str) -> None:
        self._forget(owner, slot)  # first, and at once: nothing below can keep it taken
        if self.redis is None:
            return
        try:
            client = await self.redis.client()
            await client.zrem(self._key(owner), slot)
        except redis_errors() as exc:  # it lapses by itself
            log.warning("jobs.stream_slots_degraded", error=type(exc).__name__)

    def _forget(self, owner: str, slot: str) -> None:
        mine = self.open.get(owner, set())
        mine.discard(slot)
        if not mine:
            self.open.pop(owner, None)

    async def _take_shared(self, owner: str, slot: str) -> bool:
        if self.redis is None:
            return True
        try:
            client = await self.redis.client()
            if self.script is None:
                self.script = client.register_script(TAKE_SCRIPT)
            now = _now_ms()
            lapse = int(LAPSE_S * 1000)
            args: list[int | str] = [now, self.limit, now + lapse, slot, 2 * lapse]
            taken = await self.script(keys=[self._key(owner)], args=args, client=client)
        except redis_errors() as exc:  # counted in this process only, meanwhile
            log.warning("jobs.stream_slots_degraded", error=type(exc).__name__)
            return True
        return bool(taken)

    async def keep_renewing(self) -> None:
        """Push back the lapse of this process's streams every ``RENEW_S``."""
        while True:
            await asyncio.sleep(RENEW_S)
            if self.redis is None or not self.open:
                continue
            lapses = _now_ms() + int(LAPSE_S * 1000)
            try:
                client = await self.redis.client()
                async with client.pipeline(transaction=False) as pipe:
                    for owner, slots in list(self.open.items()):
                        pipe.zadd(self._key(owner), dict.fromkeys(slots, lapses), xx=True)
                        pipe.pexpire(self._key(owner), int(2 * LAPSE_S * 1000))
                    await pipe.execute()
            except redis_errors() as exc:
                log.warning("jobs.stream_slots_degraded", error=type(exc).__name__)
