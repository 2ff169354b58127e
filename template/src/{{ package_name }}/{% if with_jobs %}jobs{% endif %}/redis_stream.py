"""taskiq-redis's stream broker, reclaiming abandoned jobs even when the queue is quiet.

``RedisStreamBroker`` claims messages that another consumer left unacknowledged (a worker
killed mid-job) only after a read that returned new messages. Here every read, empty or
not, is followed by the claim, so a lost job is redelivered after ``idle_timeout`` however
quiet the queue is.

taskiq acknowledges a message even when its task was cancelled. A worker that gives up on
its running jobs at shutdown calls ``abandon()`` first: from then on nothing is
acknowledged, and those jobs stay pending for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = structlog.get_logger(__name__)


class ReclaimingRedisStreamBroker(RedisStreamBroker):
    abandoned = False

    def abandon(self) -> None:
        self.abandoned = True

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        ack = super()._ack_generator(id=id, queue_name=queue_name)

        async def ack_unless_abandoned() -> None:
            if not self.abandoned:
                await ack()

        return ack_unless_abandoned

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        failures = 0
        while True:
            try:
                async with Redis(connection_pool=self.connection_pool) as redis:
                    while True:
                        batch = await self._read(redis)
                        if failures:
                            log.info("worker.redis_recovered", failed_reads=failures)
                            failures = 0
                        for message_id, fields in batch:
                            yield AckableMessage(
                                data=fields[b"data"],
                                ack=self._ack_generator(id=message_id, queue_name=self.queue_name),
                            )
            except (RedisError, OSError) as exc:
                # Redis is down, or came back empty: wait, recreate the group, go on.
                if failures == 0:
                    log.warning("worker.redis_unavailable", error=type(exc).__name__)
                failures += 1
                await asyncio.sleep(min(5.0, 0.5 * failures))
                if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                    with contextlib.suppress(RedisError, OSError):
                        await self._declare_consumer_group()

    async def _read(self, redis: Redis) -> list[Any]:
        """New messages for this consumer, then messages abandoned by others."""
        # redis-py types these replies loosely: lists of (id, fields).
        fetched: Any = await redis.xreadgroup(
            self.consumer_group_name,
            self.consumer_name,
            {self.queue_name: ">"},
            block=self.block,
            noack=False,
            count=self.count,
        )
        reclaimed: Any = await redis.xautoclaim(
            name=self.queue_name,
            groupname=self.consumer_group_name,
            consumername=self.consumer_name,
            min_idle_time=self.idle_timeout,
            count=self.unacknowledged_batch_size,
        )
        return [*(m for _stream, batch in fetched or [] for m in batch), *reclaimed[1]]
