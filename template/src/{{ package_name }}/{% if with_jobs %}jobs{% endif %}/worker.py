"""The worker process type (factor VIII): ``<slug> worker`` consumes the Redis queue.

On SIGTERM it stops taking jobs and lets running ones finish within ``SHUTDOWN_GRACE_S``.
A job it cannot finish is put back (``queued``) and its message stays unacknowledged: it
is redelivered after ``JOB_REDELIVERY_S``. The job of a worker killed outright keeps its
lease until the lease lapses, ``JOB_REDELIVERY_S`` after the last renewal, and its message
is redelivered about then too. While it runs, a job is held twice: by its lease in the
database (``runner``) and by its stream message, kept from other workers
(``redis_stream``). Each worker also sweeps, at startup and every ``JOB_REDELIVERY_S``
(``recovery``), the jobs whose message was lost: those whose lease lapsed, and those left
``queued`` with no message in the stream (Redis restarted empty, a web process killed
between storing a job and sending it).

With ``WORKER_HEALTH_PORT`` set, it answers ``GET /healthz`` on that port (``health``): the
liveness probe of a worker container.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import structlog
from redis.exceptions import RedisError

from ..core.feature import Process, TaskHandler, tasks_of
from ..llm.services import Services
from .health import health_server
from .queue import TASK_NAME, build_broker
from .recovery import keep_sweeping
from .redis_stream import JobStreamBroker, backoff
from .runner import JobRunner
from .settings import JobSettings

if TYPE_CHECKING:
    from taskiq import AsyncBroker

log = structlog.get_logger(__name__)


async def _work(process: Process[Services]) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    # Up first, while Redis may still be away: a worker waiting for it is alive, not stuck.
    async with (
        health_server(JobSettings().worker_health_port, stopping),
        process.services(process.settings, stopping) as services,
    ):
        await _consume(services, tasks_of(process.features), stopping)


async def _consume(
    services: Services, tasks: Mapping[str, TaskHandler[Services]], stopping: asyncio.Event
) -> None:
    from taskiq.receiver import Receiver  # start-up cost: only the worker needs the receiver

    settings = services.settings
    jobs = services.config(JobSettings)
    broker = build_broker(settings, jobs)
    assert isinstance(broker, JobStreamBroker)  # REDIS_URL is set
    broker.is_worker_process = True
    runner = JobRunner(services, tasks)
    task = broker.register_task(broker.job_task(runner.run), task_name=TASK_NAME)
    failures = 0
    while not await _started(broker, stopping, failures):
        failures += 1
    if stopping.is_set():
        return
    log.info("worker.started", concurrency=jobs.worker_concurrency)

    async def submit(job_id: str) -> None:
        await task.kiq(job_id)

    background = [
        asyncio.create_task(broker.keep_held()),
        asyncio.create_task(keep_sweeping(services, submit, waiting=broker.waiting)),
    ]
    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            receiver = Receiver(
                broker=broker,
                executor=executor,
                max_async_tasks=jobs.worker_concurrency,
                max_prefetch=0,
                wait_tasks_timeout=settings.shutdown_grace_s,
                run_startup=False,  # started above: once Redis answered
            )
            await receiver.listen(stopping)
        log.info("worker.stopping")
    finally:
        for chore in background:
            chore.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        abandoned = len(runner.running)
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        broker.abandon()  # jobs still running past the grace stay pending: redelivered
        for running in pending:
            running.cancel()  # each puts its job back: queued
        await asyncio.gather(*pending, return_exceptions=True)
        await broker.shutdown()
        log.info("worker.stopped", abandoned_jobs=abandoned)


async def _started(broker: AsyncBroker, stopping: asyncio.Event, failures: int) -> bool:
    """Connect to Redis; on failure say so, by the error's type, and wait (or until SIGTERM).

    The wait doubles with each failure, up to half a minute: a refused password or a wrong
    database number stays visible in the logs without flooding them.
    """
    try:
        await broker.startup()
    except (RedisError, OSError) as exc:
        log.warning("worker.redis_unavailable", error=type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=backoff(failures + 1))
        return stopping.is_set()
    return True


def work(process: Process[Services]) -> int:
    """``<slug> worker``: consume the queue until SIGTERM; the exit status."""
    if process.settings.redis_url is None:
        print(
            "config error: REDIS_URL: required by the worker "
            "(without it, jobs run inside the web process)",
            file=sys.stderr,
        )
        return 78
    try:
        asyncio.run(_work(process))
    except Exception:
        log.exception("worker.crashed")  # as a JSON log line, like everything else
        return 1
    return 0
