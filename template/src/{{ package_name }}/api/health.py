"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from functools import cache

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .. import schema
from ..db import DATABASE_ERRORS
from ..services import ServicesDep

router = APIRouter(tags=["health"])
READY_TIMEOUT_S = 2.0
NOT_READY_ERRORS: tuple[type[Exception], ...] = (*DATABASE_ERRORS, TimeoutError)

head_revision = cache(schema.head_revision)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: 200 while the process runs."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready, with the reason"}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """Readiness: the database answers and its schema is at the latest migration."""
    expected = await asyncio.to_thread(head_revision)  # cached after the first call
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            current = await schema.current_revision(services.engine)
    except NOT_READY_ERRORS as exc:
        reason = f"database unreachable ({type(exc).__name__})"
        return JSONResponse({"status": "unavailable", "reason": reason}, 503)
    if current != expected:
        reason = (
            f"database schema is at {current or 'nothing'}, expected {expected}: "
            "run the migrate admin task"
        )
        return JSONResponse({"status": "unavailable", "reason": reason}, 503)
    return JSONResponse({"status": "ready", "schema_revision": current})
