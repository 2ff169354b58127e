"""Read and write jobs. Every write is idempotent, so a redelivered job never shows twice."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models.jobs import FINAL_STATUSES, Job
from ..owners import ANONYMOUS
from ..timestamps import isoformat


async def create(
    session: AsyncSession, kind: str, payload: dict[str, Any], owner: str = ANONYMOUS
) -> str:
    job_id = str(uuid.uuid4())
    job = Job(id=job_id, kind=kind, owner=owner, status="queued", payload=payload, attempts=0)
    session.add(job)
    await session.commit()
    return job_id


async def get(session: AsyncSession, job_id: str, owner: str | None = None) -> Job | None:
    """The job; with ``owner``, only if it is theirs (another owner's job does not exist)."""
    job = await session.get(Job, job_id, populate_existing=True)
    return job if job is not None and owner in (None, job.owner) else None


async def cancel(session: AsyncSession, job_id: str, owner: str) -> bool:
    """End the owner's unfinished job as ``cancelled``; False when it had already ended."""
    outcome = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.owner == owner, Job.status.not_in(FINAL_STATUSES))
        .values(status="cancelled", error="cancelled by the client")
    )
    await session.commit()
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


async def delete(session: AsyncSession, job_id: str) -> None:
    job = await session.get(Job, job_id)
    if job is not None:
        await session.delete(job)
        await session.commit()


async def start_attempt(session: AsyncSession, job_id: str) -> int:
    """Mark the job running and count the attempt; return the attempt number."""
    result = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.not_in(FINAL_STATUSES))
        .values(status="running", attempts=Job.attempts + 1)
        .returning(Job.attempts)
    )
    attempts = result.scalar_one_or_none()
    await session.commit()
    return int(attempts or 0)


async def finish(
    session: AsyncSession,
    job_id: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """Record the outcome once: a job that already ended keeps its first outcome."""
    status = "failed" if error is not None else "succeeded"
    outcome = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.not_in(FINAL_STATUSES))
        .values(status=status, result=result, error=error)
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
