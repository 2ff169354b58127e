"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from ...core import revision_state
from ...core.database import DATABASE_ERRORS
from ...core.errors import ErrorBody, error_body
from ...core.feature import Check, Feature, migration_folders
from ...core.release import current as current_release
from ...core.responses import SafeJSONResponse
from ...llm.services import Services, ServicesDep

router = APIRouter(tags=["health"])
READY_TIMEOUT_S = 2.0
NOT_READY_ERRORS: tuple[type[Exception], ...] = (*DATABASE_ERRORS, TimeoutError)

Features = Sequence[Feature[Services]]


@asynccontextmanager
async def lifespan(app: FastAPI, services: Services, features: Features) -> AsyncIterator[None]:
    """Read, once, the schema this code expects and the features' readiness checks."""
    folders = migration_folders(features)
    app.state.readiness = Readiness(
        revision_state.head_revision(folders),
        revision_state.known_revisions(folders),
        [(name, check) for feature in features for name, check in feature.checks.items()],
    )
    yield


@dataclass(frozen=True)
class Readiness:
    expected: str | None
    known: frozenset[str]
    checks: list[tuple[str, Check[Services]]]


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
async def readyz(request: Request, services: ServicesDep) -> SafeJSONResponse:
    """Readiness: the database answers and its schema is at this code's latest migration, or
    past it (a newer release migrated during a rollout: ``is_current_enough``), and every
    feature's readiness check passes."""
    readiness: Readiness = request.app.state.readiness
    expected, known = readiness.expected, readiness.known
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            current = await revision_state.current_revision(services.engine)
    except NOT_READY_ERRORS as exc:
        return _not_ready(f"database unreachable ({type(exc).__name__})")
    if not revision_state.is_current_enough(current, expected, known):
        return _not_ready(
            f"database schema is at {current or 'nothing'}, expected {expected}: "
            "run the migrate admin task"
        )
    for name, check in readiness.checks:
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                problem = await check(services)
        except TimeoutError:
            problem = f"no answer within {READY_TIMEOUT_S:g} s"
        if problem is not None:
            return _not_ready(f"{name}: {problem}")
    return SafeJSONResponse({"status": "ready", "schema_revision": current})


def _not_ready(reason: str) -> SafeJSONResponse:
    body = {"status": "unavailable", "reason": reason, **error_body("not_ready", reason)}
    return SafeJSONResponse(body, 503)
