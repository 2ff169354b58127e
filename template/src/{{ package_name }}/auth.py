"""Bearer-key authentication for ``/v1/*``, enabled by setting ``API_KEYS``.

The dependency answers who is calling: the owner of the key (see ``owners.py``), bound to
every log line of the request as ``owner``.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from .errors import ApiError
from .owners import ANONYMOUS, ApiKeys

CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def require_api_key(request: Request) -> str:
    keys: ApiKeys = request.app.state.api_keys
    if not keys:
        return ANONYMOUS
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401, "unauthorized", "missing 'Authorization: Bearer <key>' header", CHALLENGE
        )
    owner = keys.owner_of(token)
    if owner is None:
        raise ApiError(401, "unauthorized", "invalid API key", CHALLENGE)
    structlog.contextvars.bind_contextvars(owner=owner)
    return owner


OwnerDep = Annotated[str, Depends(require_api_key)]
"""The caller's owner: what every stored row of theirs is scoped to."""
