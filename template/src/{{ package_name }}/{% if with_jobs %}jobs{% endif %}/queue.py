"""The job queue (factor IV): Redis streams when ``REDIS_URL`` is set, else in-process.

Only job ids travel through the queue; jobs themselves live in the database. taskiq and the
Redis client cost about a second to import, so the web process connects the queue on the
first submission, importing in a thread: startup stays fast and the event loop never blocks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog

from ..core import telemetry
from ..core.settings import Settings
from .settings import JobSettings

if TYPE_CHECKING:
    from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask

log = structlog.get_logger(__name__)
TASK_NAME = "jobs.run"

RunJob = Callable[[str], Awaitable[None]]  # what the queue calls with a job id


def build_broker(settings: Settings, jobs: JobSettings) -> AsyncBroker:
    if settings.redis_url is None:
        from taskiq import InMemoryBroker  # start-up cost: taskiq, only when it is used

        return InMemoryBroker(max_async_tasks=jobs.worker_concurrency)
    from .redis_stream import JobStreamBroker  # start-up cost: redis and taskiq

    return JobStreamBroker(
        settings.redis_url.get_secret_value(),
        stream=f"{settings.redis_key_prefix}:jobs",
        idle_timeout_ms=int(jobs.job_redelivery_s * 1000),
    )


class JobQueue:
    """Submit job ids; with the in-process broker, also run them here."""

    def __init__(self, settings: Settings, jobs: JobSettings, runner: RunJob) -> None:
        self.settings = settings
        self.jobs = jobs
        self.runner = runner
        self._started: asyncio.Task[AsyncTaskiqDecoratedTask[[str], Any]] | None = None

    def warn_if_in_process(self) -> None:
        if self.settings.redis_url is None:
            log.warning(
                "jobs.in_process",
                detail="REDIS_URL is unset: jobs run inside the web process, for "
                "development only; set REDIS_URL and run the worker in production",
            )

    async def _start(self) -> AsyncTaskiqDecoratedTask[[str], Any]:
        broker = await asyncio.to_thread(build_broker, self.settings, self.jobs)
        task = broker.register_task(self.runner, task_name=TASK_NAME)
        await broker.startup()
        return task

    async def _task(self) -> AsyncTaskiqDecoratedTask[[str], Any]:
        if self._started is None or (self._started.done() and self._started.exception()):
            self._started = asyncio.ensure_future(self._start())  # retry after a failure
        return await asyncio.shield(self._started)

    async def submit(self, job_id: str) -> None:
        task = await self._task()
        # The request's trace context travels with the message: the job continues its trace.
        await task.kicker().with_labels(**telemetry.carrier()).kiq(job_id)

    async def close(self) -> None:
        if self._started is None:
            return
        if not self._started.done():
            self._started.cancel()
        try:
            task = await self._started
        except BaseException:  # noqa: BLE001 - closing: a failed start has nothing to close
            return
        await task.broker.shutdown()
