"""Jobs: their status, and a stream of their status changes that ends at a final status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from .. import sse
from ..auth import require_api_key
from ..db import DATABASE_ERRORS
from ..errors import ApiError, error_body
from ..jobs import store
from ..jobs.queue import JobQueue
from ..jobs.runner import JobRunner
from ..rate_limit import enforce
from ..services import Services, ServicesDep

log = structlog.get_logger(__name__)
router = APIRouter(
    prefix="/v1", tags=["jobs"], dependencies=[Depends(require_api_key), Depends(enforce)]
)
POLL_INTERVAL_S = 0.25


@asynccontextmanager
async def lifespan(app: FastAPI, services: Services) -> AsyncIterator[None]:
    """Give the app a job queue; without Redis it also runs the jobs, in this process."""
    jobs = JobQueue(services.settings, JobRunner(services).task())
    jobs.warn_if_in_process()
    app.state.jobs = jobs
    try:
        yield
    finally:
        await jobs.close()


def get_jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobQueue, Depends(get_jobs)]


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: str
    result: dict[str, Any] | None
    error: str | None
    attempts: int


class JobAccepted(BaseModel):
    job_id: str


async def submit(services: Services, jobs: JobQueue, kind: str, payload: dict[str, Any]) -> str:
    """Store the job, then queue its id; a queue outage is a 503 that leaves no job behind."""
    async with services.sessions() as session:
        job_id = await store.create(session, kind, payload)
    try:
        await jobs.submit(job_id)
    except Exception as exc:
        log.exception("jobs.submit_failed", job_id=job_id)
        async with services.sessions() as session:
            await store.delete(session, job_id)
        message = f"the job queue is unavailable ({type(exc).__name__}); retry later"
        raise ApiError(503, "queue_unavailable", message) from exc
    return job_id


async def _load(services: Services, job_id: str) -> dict[str, Any]:
    async with services.sessions() as session:
        job = await store.get(session, job_id)
    if job is None:
        raise ApiError(404, "not_found", f"job {job_id} not found")
    return store.as_dict(job)


@router.get("/jobs/{job_id}", response_model=JobOut)
async def get_job(job_id: str, services: ServicesDep) -> dict[str, Any]:
    """The job's status, result, error and attempts."""
    return await _load(services, job_id)


@router.get(
    "/jobs/{job_id}/events",
    responses={200: {"content": {"text/event-stream": {}}, "description": "status events"}},
)
async def job_events(job_id: str, services: ServicesDep) -> StreamingResponse:
    """Server-sent ``status`` events, one per change, ending at ``succeeded`` or ``failed``."""
    first = await _load(services, job_id)
    return StreamingResponse(
        _changes(services, job_id, first), media_type="text/event-stream", headers=sse.HEADERS
    )


async def _poll(
    services: Services, job_id: str, first: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    last: dict[str, Any] | None = None
    current = first
    while True:
        if current != last:
            yield current
            last = current
        if current["status"] in ("succeeded", "failed"):
            return
        await asyncio.sleep(POLL_INTERVAL_S)
        current = await _load(services, job_id)


async def _changes(services: Services, job_id: str, first: dict[str, Any]) -> AsyncIterator[str]:
    try:
        async for job in sse.until_shutdown(_poll(services, job_id, first), services.shutdown):
            yield sse.event("status", job)
    except sse.ShutdownError:
        message = "the server is shutting down; reconnect to follow the job"
        yield sse.event("error", error_body("shutting_down", message))
    except DATABASE_ERRORS:
        yield sse.event("error", error_body("database_unavailable", "the database is unavailable"))
