"""The worker process type (factor VIII): ``<slug> worker`` consumes the Redis queue.

On SIGTERM it stops taking jobs and lets running ones finish within ``SHUTDOWN_GRACE_S``.
A job it cannot finish stays unacknowledged and is redelivered after
``JOB_REDELIVERY_S``; so is the job of a worker killed outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import structlog

from ..settings import Settings

if TYPE_CHECKING:
    from taskiq import AsyncBroker

log = structlog.get_logger(__name__)


async def _work(settings: Settings) -> None:
    from taskiq.receiver import Receiver

    from ..services import build_services, close_services
    from .queue import TASK_NAME, build_broker
    from .redis_stream import ReclaimingRedisStreamBroker
    from .runner import JobRunner

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    services = build_services(settings, stopping)
    broker = build_broker(settings)
    assert isinstance(broker, ReclaimingRedisStreamBroker)  # REDIS_URL is set
    broker.is_worker_process = True
    broker.register_task(JobRunner(services).task(), task_name=TASK_NAME)
    while not await _started(broker, stopping):
        pass
    if stopping.is_set():
        await close_services(services)
        return
    log.info("worker.started", concurrency=settings.worker_concurrency)
    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            receiver = Receiver(
                broker=broker,
                executor=executor,
                max_async_tasks=settings.worker_concurrency,
                max_prefetch=0,
                wait_tasks_timeout=settings.shutdown_grace_s,
            )
            await receiver.listen(stopping)
        log.info("worker.stopping")
    finally:
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        broker.abandon()  # jobs still running past the grace stay pending: redelivered
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await broker.shutdown()
        await close_services(services)
        log.info("worker.stopped", abandoned_jobs=len(pending))


async def _started(broker: AsyncBroker, stopping: asyncio.Event) -> bool:
    """Connect to Redis; on failure wait a little (or until SIGTERM) and say so."""
    from redis.exceptions import RedisError

    try:
        await broker.startup()
    except (RedisError, OSError) as exc:
        log.warning("worker.redis_unavailable", error=type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=2)
        return stopping.is_set()
    return True


def work(settings: Settings) -> int:
    if settings.redis_url is None:
        print(
            "config error: REDIS_URL: required by the worker "
            "(without it, jobs run inside the web process)",
            file=sys.stderr,
        )
        return 78
    try:
        asyncio.run(_work(settings))
    except Exception:
        log.exception("worker.crashed")  # as a JSON log line, like everything else
        return 1
    return 0
