"""Bearer-key authentication for ``/v1/*``, enabled by setting ``API_KEYS``.

The dependency answers who is calling: the owner of the key (see ``owners.py``), bound to
every log line of the request as ``owner``. ``HTTPBearer`` declares the scheme in the OpenAPI
document, on every ``/v1`` operation; the 401 is the service's own, in the one error shape.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import ApiError
from .owners import ANONYMOUS, ApiKeys

CHALLENGE = {"WWW-Authenticate": "Bearer"}
bearer = HTTPBearer(auto_error=False, description="A key of ``API_KEYS``, when it is set")


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    return authenticate(request, credentials.credentials if credentials else None)


def bearer_token(request: Request) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header, read as ``HTTPBearer`` does."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authenticate(request: Request, token: str | None) -> str:
    """The owner of ``token``; 401 when keys are in use and it is missing or unknown."""
    keys: ApiKeys = request.app.state.api_keys
    if not keys:
        return ANONYMOUS
    if token is None:
        raise ApiError(
            401, "unauthorized", "missing 'Authorization: Bearer <key>' header", CHALLENGE
        )
    owner = keys.owner_of(token)
    if owner is None:
        raise ApiError(401, "unauthorized", "invalid API key", CHALLENGE)
    structlog.contextvars.bind_contextvars(owner=owner)
    return owner
