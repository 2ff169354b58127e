"""What the jobs layer offers a feature whose route queues a job.

``JobsDep`` is the process's job queue; ``submit`` stores the caller's job, then queues its
id; ``ACCEPTED`` documents the 202 answer (where to follow the job) and ``JobAccepted`` is
its body.
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from pydantic import BaseModel

from ..core.database import write_session
from ..core.errors import ApiError
from ..llm.services import Services
from . import store
from .queue import JobQueue

log = structlog.get_logger(__name__)


def get_jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobQueue, Depends(get_jobs)]


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
