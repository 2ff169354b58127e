"""Run one job: the same code in the worker and, without Redis, in the web process.

Provider failures are retried with exponential backoff up to ``JOB_MAX_ATTEMPTS``; the
attempt count survives redelivery, so a job that keeps killing its worker still ends.
Whatever else a handler raises ends the job ``failed`` with a short, secret-free reason:
no job stays ``running`` because its handler crashed.

One run at a time: an attempt starts only by taking the job's lease (``store``), and a
heartbeat renews it every quarter of ``JOB_REDELIVERY_S`` while the job runs, retries
included. A job that another worker's live lease holds is not run: ``run`` returns False,
and the worker leaves that message to be delivered again later. A run that is cancelled
(shutdown past its grace) puts its job back, ``queued``; a run whose lease was lost (its
owner cancelled the job, or the heartbeat could not reach the database in time and another
worker took the job) stops within a second, and its outcome would not be recorded anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from ..core import telemetry
from ..core.budget import BudgetExceeded
from ..core.database import DATABASE_ERRORS, write_session
from ..core.feature import TaskHandler
from ..core.redaction import Redactor, secret_values
from ..llm.gateway import caller
from ..llm.provider import ProviderError
from ..llm.services import Services
from . import store
from .models import FINAL_STATUSES, JobStatus
from .settings import JobSettings

log = structlog.get_logger(__name__)
RENEWALS_PER_LEASE = 4
CHECK_EVERY_S = 1.0


class JobRunner:
    def __init__(self, services: Services, handlers: Mapping[str, TaskHandler[Services]]) -> None:
        self.services = services
        self.handlers = handlers
        self.config = services.config(JobSettings)
        self.redactor = Redactor(secret_values(dict(services.settings)))
        self.running: set[asyncio.Task[Any]] = set()

    def task(self) -> Callable[[str], Awaitable[None]]:
        """A plain function for taskiq to register (it renames what it registers)."""

        async def run_job(job_id: str) -> None:
            # Cancelled at shutdown, the job was put back: no error for taskiq to log.
            with contextlib.suppress(asyncio.CancelledError):
                await self.run(job_id)

        return run_job

    async def run(self, job_id: str) -> bool:
        """Run the job; False if another worker holds it (then it is left to them)."""
        structlog.contextvars.bind_contextvars(job_id=job_id)
        named = caller.set(f"job {job_id}")  # what a provider fault's message quotes
        current = asyncio.current_task()
        assert current is not None  # always called from a task
        self.running.add(current)
        try:
            return await self._run(job_id)
        finally:
            self.running.discard(current)
            caller.reset(named)
            structlog.contextvars.unbind_contextvars("job_id")

    async def drain(self, grace: float) -> int:
        """Let running jobs end within ``grace`` seconds; cancel (put back) the rest."""
        running = set(self.running)
        if not running:
            return 0
        _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        return len(late)

    async def _run(self, job_id: str) -> bool:
        settings = self.config
        async with self.services.sessions() as session:
            job = await store.get(session, job_id)
            if job is None or job.status in FINAL_STATUSES:
                log.info("job.skipped", reason="unknown" if job is None else job.status)
                return True
            kind, payload = job.kind, dict(job.payload)
        lease = store.Lease(job_id, settings.job_redelivery_s)
        try:
            with telemetry.span(f"job {kind}", {"job.id": job_id, "job.kind": kind}):
                # The heartbeat watches the lease once the first attempt took it: before,
                # the job is not yet this run's (its start may wait for its turn to write).
                started = asyncio.Event()
                attempts = self._attempts(lease, kind, payload, started)
                kept = await self._holding(lease, attempts, started)
        except asyncio.CancelledError:
            # Shutdown: put the job back for the next worker, then let the cancel go on.
            await asyncio.shield(self._release(lease))
            raise
        if kept:
            return True
        async with self.services.sessions() as session:  # lost: cancelled, or taken over?
            job = await store.get(session, job_id)
        return job is None or job.status in FINAL_STATUSES

    async def _attempts(
        self, lease: store.Lease, kind: str, payload: dict[str, Any], started: asyncio.Event
    ) -> bool:
        settings = self.config
        handler = self.handlers.get(kind)
        while True:
            async with write_session(self.services.sessions) as session:
                attempt = await store.start_attempt(session, lease, settings.job_max_attempts)
            if attempt is None:
                return await self._not_started(lease)
            started.set()
            if handler is None:
                await self._finish(lease, error=f"unknown job kind {kind!r}")
                return True
            log.info("job.started", kind=kind, attempt=attempt)
            try:
                result = await handler(self.services, payload)
            except ProviderError as exc:
                if attempt >= settings.job_max_attempts:
                    await self._finish(lease, error=f"the LLM provider failed: {exc}")
                    return True
                delay = settings.job_retry_backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "job.retrying", kind=kind, attempt=attempt, delay_s=delay, error=str(exc)
                )
                await asyncio.sleep(delay)
                continue
            except BudgetExceeded as exc:  # the owner's tokens for today are spent: no retry
                await self._finish(lease, error=f"{exc.code}: {exc.message}")
                return True
            except ValueError as exc:  # the input cannot succeed: no retry
                await self._finish(lease, error=self._safe(str(exc)))
                return True
            except Exception as exc:  # a bug, or a fault nobody foresaw: no retry either
                error = self._safe(f"unexpected error: {type(exc).__name__}: {exc}")
                log.exception("job.crashed", kind=kind, attempt=attempt, error=error)
                await self._finish(lease, error=error)
                return True
            await self._finish(lease, result=result)
            return True

    async def _not_started(self, lease: store.Lease) -> bool:
        """Fail the job if its attempts are spent; skip it if it ended (cancelled by its
        owner); else another worker holds it: leave it to them."""
        max_attempts = self.config.job_max_attempts
        async with write_session(self.services.sessions) as session:
            failed = await store.give_up(session, max_attempts, lease.job_id)
            job = None if failed else await store.get(session, lease.job_id)
        if failed:
            error = store.gave_up(max_attempts)
            log.info("job.finished", status=JobStatus.FAILED, error=error, recorded=True)
            return True
        if job is None or job.status in FINAL_STATUSES:
            log.info("job.skipped", reason="ended")
            return True
        log.info("job.skipped", reason="leased")
        return False

    async def _holding(
        self, lease: store.Lease, attempts: Awaitable[bool], started: asyncio.Event
    ) -> bool:
        """Run the attempts while a heartbeat renews the lease; stop them if it is lost."""
        working = asyncio.ensure_future(attempts)
        renewing = asyncio.ensure_future(self._heartbeat(lease, started))
        try:
            await asyncio.wait({working, renewing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost = renewing.done()  # the heartbeat ends only when the lease is lost
            renewing.cancel()
            if not working.done():
                working.cancel()
                await asyncio.gather(working, return_exceptions=True)
        if not working.cancelled():
            return working.result()
        if lost:  # another worker has the job now
            return False
        raise asyncio.CancelledError  # cancelled from outside: shutdown

    async def _heartbeat(self, lease: store.Lease, started: asyncio.Event) -> None:
        """Renew the lease until it is lost; a database outage is retried, not fatal.

        Between renewals it checks every ``CHECK_EVERY_S`` that the job is still its own, so
        a job cancelled by its owner stops within about that time.
        """
        renew_every = lease.seconds / RENEWALS_PER_LEASE
        tick = min(renew_every, CHECK_EVERY_S)
        failures, since_renewal = 0, 0.0
        await started.wait()  # the first attempt took the lease
        while True:
            await asyncio.sleep(tick)
            since_renewal += tick
            renewing = since_renewal >= renew_every
            try:
                if renewing:
                    async with write_session(self.services.sessions) as session:
                        held = await store.renew(session, lease)
                else:
                    async with self.services.sessions() as session:
                        held = await store.holds(session, lease)
            except DATABASE_ERRORS as exc:
                failures += 1
                log.warning("job.lease_not_renewed", error=type(exc).__name__, failures=failures)
                continue
            if not held:  # cancelled by its owner, or taken by another worker
                log.info("job.lease_lost")
                return
            failures = 0
            if renewing:
                since_renewal = 0.0

    async def _release(self, lease: store.Lease) -> None:
        try:
            async with write_session(self.services.sessions) as session:
                released = await store.release(session, lease)
        except DATABASE_ERRORS as exc:  # its lease lapses instead; a sweep picks it up
            log.warning("job.not_released", error=type(exc).__name__)
            return
        if released:
            log.info("job.released")

    def _safe(self, message: str, limit: int = 300) -> str:
        """``message`` for the job's ``error``: without secrets, on one line, short."""
        message = " ".join(self.redactor.text(message).split())
        return message if len(message) <= limit else message[: limit - 3] + "..."

    async def _finish(
        self,
        lease: store.Lease,
        *,
        result: dict[str, object] | None = None,
        error: str | None = None,
    ) -> None:
        async with write_session(self.services.sessions) as session:
            recorded = await store.finish(
                session, lease.job_id, result=result, error=error, token=lease.token
            )
        status = JobStatus.FAILED if error is not None else JobStatus.SUCCEEDED
        log.info("job.finished", status=status, error=error, recorded=recorded)
