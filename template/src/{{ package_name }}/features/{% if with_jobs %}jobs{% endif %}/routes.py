"""Jobs: their status, and a stream of their status changes that ends at a final status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from ...core import sse
from ...core.database import DATABASE_ERRORS, write_session
from ...core.errors import ApiError, ErrorBody, error_body
from ...core.fields import Text
from ...core.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, newest_first, page
from ...core.routing import v1_router
from ...core.services import Services
from ...core.settings import Settings
from ...core.timestamps import Timestamp
from ...deps import OwnerDep, ServicesDep
from ...jobs import store
from ...jobs.models import FINAL_STATUSES, Job, JobStatus
from ...jobs.queue import JobQueue
from ...jobs.recovery import keep_sweeping
from ...jobs.runner import JobRunner
from ...jobs.settings import JobSettings
from .. import background_tasks

log = structlog.get_logger(__name__)
router = v1_router("jobs")
POLL_INTERVAL_S = 0.25


@asynccontextmanager
async def lifespan(app: FastAPI, services: Services) -> AsyncIterator[None]:
    """Give the app a job queue; without Redis it also runs the jobs, in this process.

    Then, at startup, it resumes the jobs left queued (or with a lapsed lease) by its last
    run; at shutdown it lets running jobs end within ``SHUTDOWN_GRACE_S`` and puts the rest
    back, ``queued``, for the next start.
    """
    runner = JobRunner(services)
    jobs = JobQueue(services.settings, services.config(JobSettings), runner.task())
    jobs.warn_if_in_process()
    app.state.jobs = jobs
    sweeping = None
    if services.settings.redis_url is None:
        sweeping = asyncio.create_task(keep_sweeping(services, jobs.submit, queued_first=True))
    try:
        yield
    finally:
        if sweeping is not None:
            sweeping.cancel()
            await asyncio.gather(sweeping, return_exceptions=True)
            put_back = await runner.drain(services.settings.shutdown_grace_s)
            log.info("jobs.stopped", put_back=put_back)
        await jobs.close()


def get_jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobQueue, Depends(get_jobs)]


class JobSummary(BaseModel):
    job_id: str
    kind: str  # one of the features' job kinds: an enum in the document (``document``)
    status: JobStatus
    error: str | None
    attempts: int
    created_at: Timestamp
    updated_at: Timestamp


class JobOut(JobSummary):
    result: dict[str, Any] | None


class JobAccepted(BaseModel):
    job_id: str


def _job_link(operation: str) -> dict[str, Any]:
    return {"operationRef": operation, "parameters": {"job_id": "$response.body#/job_id"}}


# The 202 of an operation that queues a job: where to follow it (OpenAPI links).
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Queued: follow the job at ``/v1/jobs/{job_id}``",
        "links": {
            "job": _job_link("#/paths/~1v1~1jobs~1{job_id}/get"),
            "events": _job_link("#/paths/~1v1~1jobs~1{job_id}~1events/get"),
        },
    }
}


async def submit(
    services: Services, jobs: JobQueue, kind: str, payload: dict[str, Any], owner: str
) -> str:
    """Store the owner's job, then queue its id; a queue outage is a 503 leaving no job."""
    async with write_session(services.sessions) as session:
        job_id = await store.create(session, kind, payload, owner)
    try:
        await jobs.submit(job_id)
    except Exception as exc:
        log.exception("jobs.submit_failed", job_id=job_id)
        async with write_session(services.sessions) as session:
            await store.delete(session, job_id)
        message = f"the job queue is unavailable ({type(exc).__name__}); retry later"
        raise ApiError(503, "queue_unavailable", message) from exc
    return job_id


async def _load(services: Services, job_id: str, owner: str) -> dict[str, Any]:
    async with services.sessions() as session:
        job = await store.get(session, job_id, owner)
    if job is None:
        raise ApiError(404, "not_found", f"job {job_id} not found")
    return store.as_dict(job)


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown job_id"}}


@router.get("/jobs", response_model=Page[JobSummary])
async def list_jobs(
    services: ServicesDep,
    owner: OwnerDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[JobSummary]:
    """The caller's jobs, newest first, without their results."""
    query = newest_first(
        select(Job).where(Job.owner == owner), Job.created_at, Job.id, cursor, limit
    )
    async with services.sessions() as session:
        rows = (await session.scalars(query)).all()
    return page(rows, limit, lambda job: JobSummary.model_validate(store.as_dict(job)))


@router.get("/jobs/{job_id}", response_model=JobOut, responses=NOT_FOUND)
async def get_job(job_id: Text, services: ServicesDep, owner: OwnerDep) -> dict[str, Any]:
    """The job's status, result, error and attempts."""
    return await _load(services, job_id, owner)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    responses={**NOT_FOUND, 409: {"description": "The job already ended"}},
)
async def cancel_job(job_id: Text, services: ServicesDep, owner: OwnerDep) -> dict[str, Any]:
    """End a queued or running job as ``cancelled``: a result that comes later is dropped."""
    async with write_session(services.sessions) as session:
        cancelled = await store.cancel(session, job_id, owner)
    job = await _load(services, job_id, owner)
    if not cancelled:
        message = f"job {job_id} already ended ({job['status']})"
        raise ApiError(409, "already_ended", message)
    return job


@router.get(
    "/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": sse.content(status=JobOut, error=ErrorBody),
            "description": "``status`` events, the last one final; or an ``error`` event",
        },
        **NOT_FOUND,
    },
)
async def job_events(
    job_id: Text, request: Request, services: ServicesDep, owner: OwnerDep
) -> StreamingResponse:
    """Server-sent ``status`` events, one per change, ending at a final status."""
    first = await _load(services, job_id, owner)
    return StreamingResponse(
        _changes(services, job_id, owner, first, sse.disconnected(request)),
        media_type="text/event-stream",
        headers=sse.HEADERS,
    )


async def _poll(
    services: Services, job_id: str, owner: str, first: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    last: dict[str, Any] | None = None
    current = first
    while True:
        if current != last:
            yield current
            last = current
        if current["status"] in FINAL_STATUSES:
            return
        await asyncio.sleep(POLL_INTERVAL_S)
        current = await _load(services, job_id, owner)


async def _changes(
    services: Services, job_id: str, owner: str, first: dict[str, Any], gone: sse.Watch
) -> AsyncIterator[str]:
    try:
        changes = _poll(services, job_id, owner, first)
        async for job in sse.watched(changes, services.shutdown, gone):
            yield sse.event("status", job)
    except sse.ClientGone:
        return
    except sse.ShutdownError:
        message = "the server is shutting down; reconnect to follow the job"
        yield sse.event("error", error_body("shutting_down", message))
    except DATABASE_ERRORS:
        yield sse.event("error", error_body("database_unavailable", "the database is unavailable"))


def document(openapi: dict[str, Any], settings: Settings) -> None:
    """Declare the job kinds as an enum: the features that run jobs are known by now."""
    for name in ("JobSummary", "JobOut"):
        kind = openapi["components"]["schemas"][name]["properties"]["kind"]
        kind["enum"] = sorted(background_tasks())
