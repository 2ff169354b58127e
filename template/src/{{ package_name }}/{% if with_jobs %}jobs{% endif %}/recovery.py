"""No job is left ``running`` once its worker is gone: a sweep of lapsed leases.

A worker that dies (SIGKILL, a lost node) stops renewing the leases of its jobs. Most such
jobs come back by themselves: their stream message, never acknowledged, is delivered again
once ``JOB_REDELIVERY_S`` passed. The sweep covers the others, whose message was lost, and
the web process that runs jobs without Redis: at startup and every ``JOB_REDELIVERY_S``,
jobs whose lease lapsed are queued again and their ids sent, or, with every attempt spent,
failed. A job sent twice still runs once: the lease decides (``store.start_attempt``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from ..core.database import DATABASE_ERRORS, write_session
from ..core.services import Services
from . import store
from .settings import JobSettings

log = structlog.get_logger(__name__)

Submit = Callable[[str], Awaitable[None]]


async def sweep(services: Services, submit: Submit, *, queued_too: bool = False) -> None:
    """Fail or re-queue the lapsed jobs; with ``queued_too``, send every queued job's id."""
    max_attempts = services.config(JobSettings).job_max_attempts
    async with write_session(services.sessions) as session:
        failed = await store.give_up(session, max_attempts)
        requeued = await store.requeue_lapsed(session, max_attempts)
        to_send = await store.queued(session) if queued_too else requeued
    if failed or requeued:
        log.warning("jobs.recovered", requeued=requeued, failed=failed)
    for job_id in to_send:
        try:
            await submit(job_id)
        except Exception as exc:  # noqa: BLE001 - the queue is down: a later sweep retries
            log.warning("jobs.requeue_failed", job_id=job_id, error=type(exc).__name__)
            if job_id in requeued:
                async with write_session(services.sessions) as session:
                    await store.unqueue(session, job_id)


async def keep_sweeping(services: Services, submit: Submit, *, queued_first: bool = False) -> None:
    """Sweep now and every ``JOB_REDELIVERY_S``; the first sweep sends queued jobs too."""
    queued_too = queued_first
    while True:
        try:
            await sweep(services, submit, queued_too=queued_too)
            queued_too = False
        except DATABASE_ERRORS as exc:
            log.warning("jobs.sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(services.config(JobSettings).job_redelivery_s)
