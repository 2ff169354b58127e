"""The job queue on a Redis stream: our own consumer, behind taskiq's public broker interface.

``JobStreamBroker`` implements what taskiq asks of a broker (``kick``, ``listen`` yielding
``AckableMessage``, ``startup``, ``shutdown``) with redis-py's stream commands, and uses
nothing private of taskiq: job delivery does not rest on any library's internals.

- ``kick`` adds the message to the stream (``XADD``).
- ``listen`` reads new messages as one consumer of the workers' group (``XREADGROUP``), then,
  after every read, empty or not, claims one message another consumer left unacknowledged
  for ``idle_timeout`` (``XAUTOCLAIM``): a lost job is redelivered however quiet the queue is.
- A message is claimed once it has been idle that long, however long its job legitimately
  runs. So the worker keeps the messages it works on: ``keep_held`` claims them again for
  itself (``XCLAIM ... JUSTID``, which resets their idle time) every quarter of
  ``idle_timeout``, until they are acknowledged (``XACK``). A worker that dies stops doing
  so, and its messages go to another worker. A message whose job another worker holds (a
  duplicate) is ``let_go``: neither acknowledged nor kept, it comes back after
  ``idle_timeout``, runs the job if its worker died meanwhile, and is acknowledged once the
  job has ended.

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
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated, Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, RedisError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage, AsyncBroker, BrokerMessage, Context, TaskiqDepends

from ..core import telemetry

log = structlog.get_logger(__name__)
RENEWALS_PER_TIMEOUT = 4
MAX_BACKOFF_S = 30.0
BATCH = 1000  # stream entries per read when listing the waiting jobs
DATA = b"data"  # the one field of a stream entry: taskiq's message


def is_outage(exc: BaseException) -> bool:
    """Redis cannot be reached (or dropped us): as opposed to Redis refusing what we ask."""
    if isinstance(exc, AuthenticationError):
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)


def backoff(failures: int) -> float:
    return min(MAX_BACKOFF_S, 0.5 * 2.0 ** min(failures, 10))


class JobStreamBroker(AsyncBroker):
    """One stream, one consumer group: each message goes to one worker, until acknowledged."""

    abandoned = False

    def __init__(
        self,
        url: str,
        *,
        stream: str,
        idle_timeout_ms: int,
        block_ms: int = 1000,
        socket_connect_timeout: float = 5.0,
    ) -> None:
        super().__init__()
        self.redis = Redis.from_url(url, socket_connect_timeout=socket_connect_timeout)
        self.stream = stream
        self.group = stream  # one group: every worker of this service
        self.consumer = str(uuid.uuid4())  # this broker, in the group's pending lists
        self.idle_timeout_ms = idle_timeout_ms
        self.block_ms = block_ms
        self.held: dict[str, bytes | str] = {}  # taskiq task id -> stream message id

    async def startup(self) -> None:
        await super().startup()
        await self.declare_group()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.redis.aclose()

    async def declare_group(self) -> None:
        """Create the group (and the stream) if missing; let any other error through."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):  # BUSYGROUP: it exists already
                raise

    async def kick(self, message: BrokerMessage) -> None:
        await self.redis.xadd(self.stream, {DATA: message.message})

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        failures = 0
        while True:
            try:
                batch = await self.read()
                if failures:
                    log.info("worker.redis_recovered", failed_reads=failures)
                    failures = 0
                for message_id, fields in batch:
                    yield self.ackable(message_id, fields[DATA])
            except (RedisError, OSError) as exc:
                # Redis is down, came back empty, or refuses us: wait, recreate the group, go on.
                no_group = isinstance(exc, ResponseError) and "NOGROUP" in str(exc)
                refused = not (no_group or is_outage(exc))
                if failures == 0 or refused:
                    log.warning("worker.redis_unavailable", error=type(exc).__name__)
                failures += 1
                await asyncio.sleep(backoff(failures) if refused else min(5.0, 0.5 * failures))
                if no_group:
                    with contextlib.suppress(RedisError, OSError):  # the next read says why
                        await self.declare_group()

    async def read(self) -> list[Any]:
        """One new message for this consumer, then one abandoned by another.

        One at a time: a worker takes a job only when it can start it, so no job waits in one
        worker's hands long enough to look abandoned to another.
        """
        # redis-py types these replies loosely: lists of (id, fields).
        fetched: Any = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=1, block=self.block_ms
        )
        reclaimed: Any = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, min_idle_time=self.idle_timeout_ms, count=1
        )
        return [*(m for _stream, batch in fetched or [] for m in batch), *reclaimed[1]]

    def ackable(self, message_id: bytes | str, data: bytes) -> AckableMessage:
        """The message for taskiq, held by this worker until taskiq acknowledges it."""
        try:
            key = self.formatter.loads(data).task_id
        except Exception:  # noqa: BLE001 - taskiq skips (and acknowledges) what it cannot read
            key = str(message_id)
        self.held[key] = message_id

        async def ack_if_held() -> None:
            if self.held.pop(key, None) is not None and not self.abandoned:
                await self.redis.xack(self.stream, self.group, message_id)

        return AckableMessage(data=data, ack=ack_if_held)

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

    async def keep_held(self) -> None:
        """Reset the idle time of the messages this worker works on, so nobody claims them."""
        failures = 0
        while True:
            await asyncio.sleep(self.idle_timeout_ms / 1000 / RENEWALS_PER_TIMEOUT)
            message_ids: list[Any] = list(self.held.values())
            if not message_ids:
                continue
            try:
                await self.redis.xclaim(
                    self.stream,
                    self.group,
                    self.consumer,
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
        try:
            groups: Any = await self.redis.xinfo_groups(self.stream)
        except ResponseError:  # no stream (Redis restarted empty): nothing waits
            return set()
        group = self.group.encode()
        last = next((g["last-delivered-id"] for g in groups if g["name"] == group), b"0-0")
        entries: list[Any] = []
        start = b"(" + last
        while True:
            batch: Any = await self.redis.xrange(self.stream, min=start, max="+", count=BATCH)
            if not batch:
                break
            entries += batch
            start = b"(" + batch[-1][0]
        if any(g["name"] == group for g in groups):
            entries += await pending_entries(self.redis, self.stream, self.group)
        return {job_id for _, fields in entries if (job_id := self.job_id(fields))}

    def job_id(self, fields: dict[bytes, bytes]) -> str | None:
        """The job id a stream entry carries (its task's one argument), if it can be read."""
        try:
            args = self.formatter.loads(fields[DATA]).args
        except Exception:  # noqa: BLE001 - a message taskiq cannot read runs no job either
            return None
        return str(args[0]) if args else None


async def pending_entries(redis: Redis, stream: str, group: str) -> list[Any]:
    """The entries read by the group's consumers and not acknowledged."""
    entries: list[Any] = []
    start: bytes | str = "-"
    while True:
        pending: Any = await redis.xpending_range(stream, group, min=start, max="+", count=BATCH)
        if not pending:
            return entries
        async with redis.pipeline(transaction=False) as pipe:
            for entry in pending:
                pipe.xrange(stream, min=entry["message_id"], max=entry["message_id"])
            for found in await pipe.execute():
                entries += found
        start = b"(" + pending[-1]["message_id"]
