"""Run one job: the same code in the worker and, without Redis, in the web process.

Provider failures are retried with exponential backoff up to ``JOB_MAX_ATTEMPTS``; the
attempt count survives redelivery, so a job that keeps killing its worker still ends.
Whatever else a handler raises ends the job ``failed`` with a short, secret-free reason:
no job stays ``running`` because its handler crashed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from ..llm.base import ProviderError
from ..models.jobs import FINAL_STATUSES
from ..redaction import Redactor, secret_values
from ..services import Services
from . import store
from .kinds import Handler, handlers

log = structlog.get_logger(__name__)


class JobRunner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.handlers: dict[str, Handler] = handlers()
        self.redactor = Redactor(secret_values(dict(services.settings)))

    def task(self) -> Callable[[str], Awaitable[None]]:
        """A plain function for taskiq to register (it renames what it registers)."""

        async def run_job(job_id: str) -> None:
            await self.run(job_id)

        return run_job

    async def run(self, job_id: str) -> None:
        structlog.contextvars.bind_contextvars(job_id=job_id)
        try:
            await self._run(job_id)
        finally:
            structlog.contextvars.unbind_contextvars("job_id")

    async def _run(self, job_id: str) -> None:
        settings = self.services.settings
        async with self.services.sessions() as session:
            job = await store.get(session, job_id)
            if job is None or job.status in FINAL_STATUSES:
                log.info("job.skipped", reason="unknown" if job is None else job.status)
                return
            kind, payload = job.kind, dict(job.payload)
        handler = self.handlers.get(kind)
        while True:
            async with self.services.sessions() as session:
                attempt = await store.start_attempt(session, job_id)
            if attempt == 0:  # it ended meanwhile: cancelled by its owner
                log.info("job.skipped", reason="ended")
                return
            if handler is None or attempt > settings.job_max_attempts:
                error = (
                    f"unknown job kind {kind!r}"
                    if handler is None
                    else f"gave up after {settings.job_max_attempts} attempts"
                )
                await self._finish(job_id, error=error)
                return
            log.info("job.started", kind=kind, attempt=attempt)
            try:
                result = await handler(self.services, payload)
            except ProviderError as exc:
                if attempt >= settings.job_max_attempts:
                    await self._finish(job_id, error=f"the LLM provider failed: {exc}")
                    return
                delay = settings.job_retry_backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "job.retrying", kind=kind, attempt=attempt, delay_s=delay, error=str(exc)
                )
                await asyncio.sleep(delay)
                continue
            except ValueError as exc:  # the input cannot succeed: no retry
                await self._finish(job_id, error=self._safe(str(exc)))
                return
            except Exception as exc:  # a bug, or a fault nobody foresaw: no retry either
                error = self._safe(f"unexpected error: {type(exc).__name__}: {exc}")
                log.exception("job.crashed", kind=kind, attempt=attempt, error=error)
                await self._finish(job_id, error=error)
                return
            await self._finish(job_id, result=result)
            return

    def _safe(self, message: str, limit: int = 300) -> str:
        """``message`` for the job's ``error``: without secrets, on one line, short."""
        message = " ".join(self.redactor.text(message).split())
        return message if len(message) <= limit else message[: limit - 3] + "..."

    async def _finish(
        self, job_id: str, *, result: dict[str, object] | None = None, error: str | None = None
    ) -> None:
        async with self.services.sessions() as session:
            recorded = await store.finish(session, job_id, result=result, error=error)
        status = "failed" if error is not None else "succeeded"
        log.info("job.finished", status=status, error=error, recorded=recorded)
