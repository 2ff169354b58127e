"""Read and write jobs. Every write is idempotent, so a redelivered job never shows twice.

Leases: an attempt starts only on a job that is ``queued`` or whose lease has lapsed, and
takes the lease in the same ``UPDATE`` (so two workers never both start it). Its worker
renews the lease while it works; only the holder of the lease records the outcome or puts
the job back. Lease times come from the workers' clocks, kept in sync (NTP) as usual: a
lease lasts ``JOB_REDELIVERY_S``, far longer than their drift.
"""

from __future__ import annotations

import os
import platform
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from ..core.owners import ANONYMOUS
from ..core.timestamps import isoformat
from .models import FINAL_STATUSES, Job, JobStatus


async def create(
    session: AsyncSession, kind: str, payload: dict[str, Any], owner: str = ANONYMOUS
) -> str:
    job_id = str(uuid.uuid4())
    job = Job(
        id=job_id, kind=kind, owner=owner, status=JobStatus.QUEUED, payload=payload, attempts=0
    )
    session.add(job)
    await session.commit()
    return job_id


async def get(session: AsyncSession, job_id: str, owner: str | None = None) -> Job | None:
    """The job; with ``owner``, only if it is theirs (another owner's job does not exist)."""
    job = await session.get(Job, job_id, populate_existing=True)
    return job if job is not None and owner in (None, job.owner) else None


# What tells one state of a job from the next: its status, when it last changed, its attempts.
Version = tuple[str, str, int]


def version(job: dict[str, Any]) -> Version:
    """The version of a job as ``as_dict`` gives it."""
    return (job["status"], job["updated_at"], job["attempts"])


async def versions(session: AsyncSession, job_ids: list[str]) -> dict[str, Version]:
    """The versions of these jobs, in one query (a job that does not exist is left out)."""
    result = await session.execute(
        select(Job.id, Job.status, Job.updated_at, Job.attempts).where(Job.id.in_(job_ids))
    )
    return {row.id: (row.status, isoformat(row.updated_at), row.attempts) for row in result}


async def get_many(session: AsyncSession, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """These jobs (``as_dict``), read fresh, in one query, without their payloads."""
    result = await session.execute(
        select(Job)
        .where(Job.id.in_(job_ids))
        .options(defer(Job.payload))
        .execution_options(populate_existing=True)
    )
    return {job.id: as_dict(job) for job in result.scalars()}


async def cancel(session: AsyncSession, job_id: str, owner: str) -> bool:
    """End the owner's unfinished job as ``cancelled``; False when it had already ended."""
    outcome = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.owner == owner, Job.status.not_in(FINAL_STATUSES))
        .values(
            status=JobStatus.CANCELLED,
            error="cancelled by the client",
            leased_by=None,
            lease_expires_at=None,
        )
    )
    await session.commit()
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


async def delete(session: AsyncSession, job_id: str) -> None:
    job = await session.get(Job, job_id)
    if job is not None:
        await session.delete(job)
        await session.commit()


def _new_token() -> str:
    """Who holds a lease: host and process, for people; a random part, for uniqueness."""
    return f"{platform.node()[:24]}/{os.getpid()}/{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True)
class Lease:
    """One run of a job by one worker: the token it writes with, and how long a renewal lasts."""

    job_id: str
    seconds: float
    token: str = field(default_factory=_new_token)

    def until(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.seconds)


def _lapsed(now: datetime) -> ColumnElement[bool]:
    """Running under a lease nobody renewed in time: its worker is gone."""
    expired = or_(Job.lease_expires_at.is_(None), Job.lease_expires_at <= now)
    return and_(Job.status == JobStatus.RUNNING, expired)


def _startable(now: datetime, token: str | None = None) -> ColumnElement[bool]:
    """Queued, or running under a lapsed lease (or, for a retry, under ``token``'s own)."""
    if token is None:
        return or_(Job.status == JobStatus.QUEUED, _lapsed(now))
    held = and_(Job.status == JobStatus.RUNNING, Job.leased_by == token)
    return or_(Job.status == JobStatus.QUEUED, _lapsed(now), held)


async def start_attempt(session: AsyncSession, lease: Lease, max_attempts: int) -> int | None:
    """Take the lease, mark the job running and count the attempt; return its number.

    None when the attempt cannot start: the job ended, another worker holds a live lease on
    it, or its attempts are spent (see ``give_up``).
    """
    now = datetime.now(UTC)
    result = await session.execute(
        update(Job)
        .where(Job.id == lease.job_id, _startable(now, lease.token), Job.attempts < max_attempts)
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            leased_by=lease.token,
            lease_expires_at=lease.until(),
        )
        .returning(Job.attempts)
    )
    attempts = result.scalar_one_or_none()
    await session.commit()
    return None if attempts is None else int(attempts)


async def renew(session: AsyncSession, lease: Lease) -> bool:
    """Push the lease back; False when it is no longer this worker's (the job moved on)."""
    outcome = await session.execute(
        update(Job)
        .where(
            Job.id == lease.job_id, Job.status == JobStatus.RUNNING, Job.leased_by == lease.token
        )
        # A heartbeat is not a change of the job: updated_at keeps its value.
        .values(lease_expires_at=lease.until(), updated_at=Job.updated_at)
    )
    await session.commit()
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


async def holds(session: AsyncSession, lease: Lease) -> bool:
    """Whether the job is still running under this lease (not cancelled, not taken over)."""
    result = await session.execute(
        select(Job.id).where(
            Job.id == lease.job_id, Job.status == JobStatus.RUNNING, Job.leased_by == lease.token
        )
    )
    return result.first() is not None


async def release(session: AsyncSession, lease: Lease) -> bool:
    """Put a job this worker gives up on (shutdown) back in the queue, its lease cleared."""
    outcome = await session.execute(
        update(Job)
        .where(
            Job.id == lease.job_id, Job.status == JobStatus.RUNNING, Job.leased_by == lease.token
        )
        .values(status=JobStatus.QUEUED, leased_by=None, lease_expires_at=None)
    )
    await session.commit()
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


def gave_up(max_attempts: int) -> str:
    return f"gave up after {max_attempts} attempts: its worker stopped before it ended"


async def give_up(session: AsyncSession, max_attempts: int, job_id: str | None = None) -> list[str]:
    """Fail the jobs (or the one job) left queued or lapsed with every attempt spent."""
    condition = and_(_startable(datetime.now(UTC)), Job.attempts >= max_attempts)
    if job_id is not None:
        condition = and_(condition, Job.id == job_id)
    result = await session.execute(
        update(Job)
        .where(condition)
        .values(
            status=JobStatus.FAILED,
            error=gave_up(max_attempts),
            leased_by=None,
            lease_expires_at=None,
        )
        .returning(Job.id)
    )
    failed = list(result.scalars())
    await session.commit()
    return failed


async def requeue_lapsed(session: AsyncSession, max_attempts: int) -> list[str]:
    """Queue again the jobs whose lease lapsed and that have attempts left; return their ids."""
    result = await session.execute(
        update(Job)
        .where(_lapsed(datetime.now(UTC)), Job.attempts < max_attempts)
        .values(status=JobStatus.QUEUED, leased_by=None, lease_expires_at=None)
        .returning(Job.id)
    )
    queued = list(result.scalars())
    await session.commit()
    return queued


async def unqueue(session: AsyncSession, job_id: str) -> None:
    """Undo ``requeue_lapsed`` for a job whose message could not be sent: a later sweep retries."""
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED, Job.leased_by.is_(None))
        .values(status=JobStatus.RUNNING)
    )
    await session.commit()


async def queued_before(session: AsyncSession, cutoff: datetime) -> list[str]:
    """The ids of the jobs queued and unchanged since before ``cutoff``, oldest first."""
    result = await session.execute(
        select(Job.id)
        .where(Job.status == JobStatus.QUEUED, Job.updated_at < cutoff)
        .order_by(Job.created_at)
    )
    return list(result.scalars())


async def requeue_stale(session: AsyncSession, job_id: str, cutoff: datetime) -> bool:
    """Take a job still queued and unchanged since before ``cutoff`` to send it again: its
    ``updated_at`` becomes now. False when it changed meanwhile (another worker took it)."""
    outcome = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED, Job.updated_at < cutoff)
        .values(updated_at=datetime.now(UTC))
    )
    await session.commit()
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


async def queued(session: AsyncSession) -> list[str]:
    """The ids of the queued jobs, oldest first."""
    result = await session.execute(
        select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.created_at)
    )
    return list(result.scalars())


async def finish(
    session: AsyncSession,
    job_id: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    token: str | None = None,
) -> bool:
    """Record the outcome once: a job that already ended keeps its first outcome.

    With the ``token`` of a lease, only while that lease is the job's own: a worker that lost
    its lease (a newer attempt holds the job) never overwrites what the newer one records.
    """
    status = JobStatus.FAILED if error is not None else JobStatus.SUCCEEDED
    condition = and_(Job.id == job_id, Job.status.not_in(FINAL_STATUSES))
    if token is not None:
        condition = and_(condition, Job.leased_by == token)
    outcome = await session.execute(
        update(Job)
        .where(condition)
        .values(status=status, result=result, error=error, leased_by=None, lease_expires_at=None)
    )
    await session.commit()
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


def as_dict(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "kind": job.kind,
        "status": job.status,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": isoformat(job.created_at),
        "updated_at": isoformat(job.updated_at),
    }
