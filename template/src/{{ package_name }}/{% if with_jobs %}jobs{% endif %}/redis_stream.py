"""taskiq-redis's stream broker, reclaiming abandoned jobs even when the queue is quiet.

``RedisStreamBroker`` claims messages that another consumer left unacknowledged (a worker
killed mid-job) only after a read that returned new messages. Here every read, empty or
not, is followed by the claim, so a lost job is redelivered after ``idle_timeout`` however
quiet the queue is.

A message is claimed once it has been idle that long, however long its job legitimately
runs. So the worker keeps the messages it works on: ``keep_held`` claims them again for
itself (``XCLAIM ... JUSTID``, which resets their idle time) every quarter of
``idle_timeout``, until they are acknowledged. A worker that dies stops doing so, and its
messages go to another worker. A message whose job another worker holds (a duplicate) is
``let_go``: neither acknowledged nor kept, it comes back after ``idle_timeout``, runs the
job if its worker died meanwhile, and is acknowledged once the job has ended.

taskiq acknowledges a message even when its task was cancelled. A worker that gives up on
its running jobs at shutdown calls ``abandon()`` first: from then on nothing is
acknowledged, and those jobs stay pending for another worker.

``waiting`` lists the jobs whose message is still in the stream (unread, or read and not
acknowledged): the sweep sends again the queued jobs that are not among them (``recovery``).

Redis errors: an outage (the connection refused or lost) is logged once, then its end. Any
other error (authentication refused, a database that does not exist, missing permissions)
is a configuration problem: logged at every retry, with backoff, by its type only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated, Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, RedisError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage, Context, TaskiqDepends
from taskiq_redis import RedisStreamBroker

from ..core import telemetry

log = structlog.get_logger(__name__)
RENEWALS_PER_TIMEOUT = 4
MAX_BACKOFF_S = 30.0
BATCH = 1000  # stream entries per read when listing the waiting jobs


def is_outage(exc: BaseException) -> bool:
    """Redis cannot be reached (or dropped us): as opposed to Redis refusing what we ask."""
    if isinstance(exc, AuthenticationError):
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)


def backoff(failures: int) -> float:
    return min(MAX_BACKOFF_S, 0.5 * 2.0 ** min(failures, 10))


class ReclaimingRedisStreamBroker(RedisStreamBroker):
    abandoned = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: dict[str, bytes | str] = {}  # taskiq task id -> stream message id

    def abandon(self) -> None:
        self.abandoned = True

    def let_go(self, task_id: str) -> None:
        """Neither acknowledge nor keep this message: it is delivered again later."""
        self.held.pop(task_id, None)

    def job_task(self, run: Callable[[str], Awaitable[bool]]) -> Callable[..., Awaitable[None]]:
        """The task the worker registers: a job held elsewhere lets its message go."""

        async def run_job(job_id: str, context: Annotated[Context, TaskiqDepends()]) -> None:
            try:
                with telemetry.continued(context.message.labels):  # the submitter's trace
                    ran = await run(job_id)
            except asyncio.CancelledError:  # shutdown: the job was put back, no error to log
                return
            if not ran:
                self.let_go(context.message.task_id)

        return run_job

    def _held_ack(self, key: str, message_id: bytes | str) -> Callable[[], Awaitable[None]]:
        self.held[key] = message_id
        ack = super()._ack_generator(id=message_id, queue_name=self.queue_name)  # type: ignore[arg-type]

        async def ack_if_held() -> None:
            if self.held.pop(key, None) is not None and not self.abandoned:
                await ack()

        return ack_if_held

    def _message(self, message_id: bytes | str, data: bytes) -> AckableMessage:
        try:
            key = self.formatter.loads(data).task_id
        except Exception:  # noqa: BLE001 - taskiq skips (and acknowledges) what it cannot read
            key = str(message_id)
        return AckableMessage(data=data, ack=self._held_ack(key, message_id))

    async def keep_held(self) -> None:
        """Reset the idle time of the messages this worker works on, so nobody claims them."""
        failures = 0
        while True:
            await asyncio.sleep(self.idle_timeout / 1000 / RENEWALS_PER_TIMEOUT)
            message_ids: list[Any] = list(self.held.values())
            if not message_ids:
                continue
            try:
                async with Redis(connection_pool=self.connection_pool) as redis:
                    await redis.xclaim(
                        self.queue_name,
                        self.consumer_group_name,
                        self.consumer_name,
                        min_idle_time=0,
                        message_ids=message_ids,
                        justid=True,
                    )
            except (RedisError, OSError) as exc:
                if failures == 0 or not is_outage(exc):
                    log.warning("worker.messages_not_kept", error=type(exc).__name__)
                failures += 1
            else:
                failures = 0

    async def waiting(self) -> set[str]:
        """The ids of the jobs whose message is in the stream, unread or unacknowledged.

        First where the group stands, then the entries past it, then the pending ones: a
        message read meanwhile is among the ones or the others, never in neither.
        """
        async with Redis(connection_pool=self.connection_pool) as redis:
            try:
                groups: Any = await redis.xinfo_groups(self.queue_name)
            except ResponseError:  # no stream (Redis restarted empty): nothing waits
                return set()
            group = self.consumer_group_name.encode()
            last = next((g["last-delivered-id"] for g in groups if g["name"] == group), b"0-0")
            entries: list[Any] = []
            start = b"(" + last
            while True:
                batch: Any = await redis.xrange(self.queue_name, min=start, max="+", count=BATCH)
                if not batch:
                    break
                entries += batch
                start = b"(" + batch[-1][0]
            if any(g["name"] == group for g in groups):
                entries += await self._pending_entries(redis)
        return {job_id for _, fields in entries if (job_id := self._job_id(fields))}

    async def _pending_entries(self, redis: Redis) -> list[Any]:
        """The entries read by the group's consumers and not acknowledged."""
        entries: list[Any] = []
        start: bytes | str = "-"
        while True:
            pending: Any = await redis.xpending_range(
                self.queue_name, self.consumer_group_name, min=start, max="+", count=BATCH
            )
            if not pending:
                return entries
            async with redis.pipeline(transaction=False) as pipe:
                for entry in pending:
                    pipe.xrange(self.queue_name, min=entry["message_id"], max=entry["message_id"])
                for found in await pipe.execute():
                    entries += found
            start = b"(" + pending[-1]["message_id"]

    def _job_id(self, fields: dict[bytes, bytes]) -> str | None:
        try:
            args = self.formatter.loads(fields[b"data"]).args
        except Exception:  # noqa: BLE001 - a message taskiq cannot read runs no job either
            return None
        return str(args[0]) if args else None

    async def _declare_consumer_group(self) -> None:
        """Create the group if it is missing; unlike taskiq's, let other errors through."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            try:
                await redis.xgroup_create(
                    self.queue_name, self.consumer_group_name, id=self.consumer_id, mkstream=True
                )
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):  # BUSYGROUP: it exists already
                    raise

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
                            yield self._message(message_id, fields[b"data"])
            except (RedisError, OSError) as exc:
                # Redis is down, came back empty, or refuses us: wait, recreate the group, go on.
                no_group = isinstance(exc, ResponseError) and "NOGROUP" in str(exc)
                refused = not (no_group or is_outage(exc))
                if failures == 0 or refused:
                    log.warning("worker.redis_unavailable", error=type(exc).__name__)
                failures += 1
                await asyncio.sleep(backoff(failures) if refused else min(5.0, 0.5 * failures))
                if no_group:
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
