"""No job is left behind once its worker is gone, or its message: the sweep.

A worker that dies (SIGKILL, a lost node) stops renewing the leases of its jobs. Most such
jobs come back by themselves: their stream message, never acknowledged, is delivered again
once ``JOB_REDELIVERY_S`` passed. The sweep covers the others, and the web process that runs
jobs without Redis: at startup and every ``JOB_REDELIVERY_S``,

- jobs whose lease lapsed are queued again and their ids sent, or, with every attempt
  spent, failed;
- with Redis (``waiting``), jobs ``queued`` for longer than ``JOB_REDELIVERY_S`` whose
  message is not in the stream (Redis restarted empty, or the web process died between
  storing the job and sending it) are sent again. A job still waiting its turn in the
  stream, unread or unacknowledged, is left alone, and a job just stored is not yet looked
  at (its message may be on the way). Each is taken in the database first (its
  ``updated_at`` moves), so of several workers sweeping at once only one sends it.

So a job whose message went missing is sent again within ``2 x JOB_REDELIVERY_S`` of a
worker running. A job sent twice still runs once: the lease decides (``store.start_attempt``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import structlog

from ..core.database import DATABASE_ERRORS, write_session
from ..core.redis_client import redis_errors
from ..llm.services import Services
from . import store
from .settings import JobSettings

log = structlog.get_logger(__name__)

Submit = Callable[[str], Awaitable[None]]
Waiting = Callable[[], Awaitable[set[str]]]  # the ids of the jobs whose message is queued


async def sweep(
    services: Services, submit: Submit, *, queued_too: bool = False, waiting: Waiting | None = None
) -> None:
    """Fail or re-queue the lapsed jobs; with ``queued_too``, send every queued job's id;
    with ``waiting``, send again the queued jobs whose message is missing."""
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
    if waiting is not None:
        await resend_stranded(services, submit, waiting)


async def resend_stranded(services: Services, submit: Submit, waiting: Waiting) -> list[str]:
    """Send again the jobs queued for longer than ``JOB_REDELIVERY_S`` whose message is not
    in the queue; return their ids."""
    seconds = services.config(JobSettings).job_redelivery_s
    cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
    async with services.sessions() as session:
        candidates = await store.queued_before(session, cutoff)
    if not candidates:
        return []
    present = await waiting()  # read after the candidates: a message sent meanwhile counts
    resent = []
    for job_id in (job_id for job_id in candidates if job_id not in present):
        async with write_session(services.sessions) as session:
            taken = await store.requeue_stale(session, job_id, cutoff)
        if not taken:  # started meanwhile, or another worker sends it
            continue
        try:
            await submit(job_id)
        except Exception as exc:  # noqa: BLE001 - the queue is down: the next sweep retries
            log.warning("jobs.requeue_failed", job_id=job_id, error=type(exc).__name__)
            continue
        resent.append(job_id)
    if resent:
        log.warning("jobs.stranded_resent", job_ids=resent)
    return resent


async def keep_sweeping(
    services: Services,
    submit: Submit,
    *,
    queued_first: bool = False,
    waiting: Waiting | None = None,
) -> None:
    """Sweep now and every ``JOB_REDELIVERY_S``; the first sweep sends queued jobs too."""
    queued_too = queued_first
    # Redis is imported only where the sweep reads the stream: in the worker, which uses it.
    errors = DATABASE_ERRORS if waiting is None else (*DATABASE_ERRORS, *redis_errors())
    while True:
        try:
            await sweep(services, submit, queued_too=queued_too, waiting=waiting)
            queued_too = False
        except errors as exc:
            log.warning("jobs.sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(services.config(JobSettings).job_redelivery_s)
