"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from ... import schema
from ...core.database import DATABASE_ERRORS
from ...core.errors import ErrorBody, error_body
from ...core.release import current as current_release
from ...core.responses import SafeJSONResponse
from ...deps import ServicesDep

router = APIRouter(tags=["health"])
READY_TIMEOUT_S = 2.0
NOT_READY_ERRORS: tuple[type[Exception], ...] = (*DATABASE_ERRORS, TimeoutError)

head_revision = cache(schema.head_revision)
known_revisions = cache(schema.known_revisions)


class Alive(BaseModel):
    status: Literal["ok"]
    version: str
    commit: str | None


class Ready(BaseModel):
    status: Literal["ready"]
    schema_revision: str | None


class NotReady(ErrorBody):
    """The error shape, with the probe's ``status`` and ``reason`` beside it."""

    status: Literal["unavailable"]
    reason: str


@router.get("/healthz", response_model=Alive)
async def healthz() -> dict[str, str | None]:
    """Liveness: 200 while the process runs, with the release it runs."""
    release = current_release()
    return {"status": "ok", "version": release.version, "commit": release.commit}


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "Not ready, with the reason"}},
)
async def readyz(services: ServicesDep) -> SafeJSONResponse:
    """Readiness: the database answers and its schema is at this code's latest migration, or
    past it (a newer release migrated during a rollout: ``schema.is_current_enough``)."""
    expected = await asyncio.to_thread(head_revision)  # cached after the first call
    known = await asyncio.to_thread(known_revisions)
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            current = await schema.current_revision(services.engine)
    except NOT_READY_ERRORS as exc:
        return _not_ready(f"database unreachable ({type(exc).__name__})")
    if not schema.is_current_enough(current, expected, known):
        return _not_ready(
            f"database schema is at {current or 'nothing'}, expected {expected}: "
            "run the migrate admin task"
        )
    return SafeJSONResponse({"status": "ready", "schema_revision": current})


def _not_ready(reason: str) -> SafeJSONResponse:
    body = {"status": "unavailable", "reason": reason, **error_body("not_ready", reason)}
    return SafeJSONResponse(body, 503)
