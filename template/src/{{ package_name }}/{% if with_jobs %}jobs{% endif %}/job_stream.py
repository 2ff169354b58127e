"""A job's event stream: a ``status`` event per change, to a final status.

It waits on the process's shared watch of jobs (``jobs.watch``), never querying the database
itself, and stops at once when its client leaves or the server stops, whether or not its job
changed. A comment every ``KEEPALIVE_S`` keeps proxies from closing a quiet stream. Each
stream ends with one ``jobs.events_ended`` log line saying why.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import structlog

from ..core import sse
from ..core.database import DATABASE_ERRORS
from ..core.errors import error_body
from . import store
from .models import FINAL_STATUSES
from .watch import JobWatch, Unavailable

log = structlog.get_logger(__name__)
KEEPALIVE_S = 15.0
UNAVAILABLE: tuple[type[BaseException], ...] = (Unavailable, *DATABASE_ERRORS)


class JobDeleted(Exception):
    """The job was deleted (retention) while its stream was open."""


async def events(
    watch: JobWatch,
    job_id: str,
    first: dict[str, Any],
    shutdown: asyncio.Event,
    gone: sse.Watch,
) -> AsyncIterator[str]:
    reason, sent = "closed", 0
    try:
        async for job in sse.watched(_changes(watch, job_id, first), shutdown, gone):
            if job is None:
                yield sse.comment("keep-alive")
                continue
            sent += 1
            yield sse.event("status", job)
        reason = "final"
    except sse.ClientGone:
        reason = "client_gone"
    except asyncio.CancelledError:
        # Starlette's own watch of the client saw it leave first (ASGI before 2.4); the
        # server's own stop ends streams with ShutdownError, well before it cancels any.
        reason = "client_gone"
        raise
    except sse.ShutdownError:
        reason = "shutting_down"
        message = "the server is shutting down; reconnect to follow the job"
        yield sse.event("error", error_body("shutting_down", message))
    except UNAVAILABLE:
        reason = "database_unavailable"
        yield sse.event("error", error_body(reason, "the database is unavailable"))
    except JobDeleted:
        reason = "not_found"
        yield sse.event("error", error_body(reason, f"job {job_id} was deleted"))
    finally:
        log.info("jobs.events_ended", job_id=job_id, reason=reason, events=sent)


async def _changes(
    watch: JobWatch, job_id: str, first: dict[str, Any]
) -> AsyncIterator[dict[str, Any] | None]:
    """The job from ``first`` on, at each change; None after ``KEEPALIVE_S`` without one."""
    job = first
    yield job
    with watch.follow(job_id):
        while job["status"] not in FINAL_STATUSES:
            try:
                async with asyncio.timeout(KEEPALIVE_S):
                    changed = await watch.changed(job_id, store.version(job))
            except TimeoutError:
                yield None
                continue
            if changed is None:
                raise JobDeleted
            job = changed
            yield job
