"""Jobs: their status, and a stream of their status changes that ends at a final status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from ..core import sse
from ..core.database import write_session
from ..core.deps import OwnerDep
from ..core.errors import ApiError, ErrorBody, documented
from ..core.feature import Feature, tasks_of
from ..core.fields import Text
from ..core.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, newest_first, page
from ..core.routing import v1_router
from ..core.settings import Settings
from ..core.timestamps import Timestamp
from ..llm.services import Services, ServicesDep
from . import job_stream, store
from .models import Job, JobStatus
from .queue import JobQueue
from .recovery import keep_sweeping
from .runner import JobRunner
from .settings import JobSettings
from .stream_slots import StreamSlots
from .watch import JobWatch

log = structlog.get_logger(__name__)
router = v1_router("jobs")
Features = Sequence[Feature[Services]]


@asynccontextmanager
async def lifespan(app: FastAPI, services: Services, features: Features) -> AsyncIterator[None]:
    """Give the app a job queue; without Redis it also runs the jobs, in this process.

    Then, at startup, it resumes the jobs left queued (or with a lapsed lease) by its last
    run; at shutdown it lets running jobs end within ``SHUTDOWN_GRACE_S`` and puts the rest
    back, ``queued``, for the next start. The event streams share one watch of their jobs
    and are counted per owner (``EVENT_STREAMS_PER_OWNER``).
    """
    config = services.config(JobSettings)
    runner = JobRunner(services, tasks_of(features))
    jobs = JobQueue(services.settings, config, runner.task())
    jobs.warn_if_in_process()
    app.state.jobs = jobs
    app.state.job_watch = watch = JobWatch(services.sessions)
    app.state.stream_slots = slots = StreamSlots(
        config.event_streams_per_owner, services.redis, services.settings.redis_key_prefix
    )
    in_process = services.settings.redis_url is None
    if in_process:
        chores = [asyncio.create_task(keep_sweeping(services, jobs.submit, queued_first=True))]
    else:
        chores = [asyncio.create_task(slots.keep_renewing())]
    try:
        yield
    finally:
        for chore in chores:
            chore.cancel()
        await asyncio.gather(*chores, return_exceptions=True)
        await watch.close()
        if in_process:
            put_back = await runner.drain(services.settings.shutdown_grace_s)
            log.info("jobs.stopped", put_back=put_back)
        await jobs.close()


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
        429: documented(
            429,
            "Too many requests, or ``EVENT_STREAMS_PER_OWNER`` streams open (code "
            "``too_many_streams``): retry after ``Retry-After`` seconds",
        ),
    },
)
async def job_events(
    job_id: Text, request: Request, services: ServicesDep, owner: OwnerDep
) -> StreamingResponse:
    """Server-sent ``status`` events, one per change, ending at a final status.

    A comment line every ``KEEPALIVE_S`` keeps proxies from closing a quiet stream; at most
    ``EVENT_STREAMS_PER_OWNER`` streams of one owner are open at once (429 beyond).
    """
    first = await _load(services, job_id, owner)
    slots: StreamSlots = request.app.state.stream_slots
    slot = await slots.take(owner)
    events = job_stream.events(
        request.app.state.job_watch, job_id, first, services.shutdown, sse.disconnected(request)
    )
    return sse.HeldStream(events, lambda: slots.give_back(owner, slot))


def document(openapi: dict[str, Any], settings: Settings, features: Features) -> None:
    """Declare the job kinds as an enum: the features that run jobs are known by now."""
    for name in ("JobSummary", "JobOut"):
        kind = openapi["components"]["schemas"][name]["properties"]["kind"]
        kind["enum"] = sorted(tasks_of(features))
