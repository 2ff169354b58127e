"""Bearer-key authentication for ``/v1/*``, enabled by setting ``API_KEYS``.

``HTTPBearer`` declares the scheme in the OpenAPI document, on every ``/v1`` operation; the
401 is the service's own, in the one error shape.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import ApiError

CHALLENGE = {"WWW-Authenticate": "Bearer"}
bearer = HTTPBearer(auto_error=False, description="A key of ``API_KEYS``, when it is set")


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    keys: frozenset[str] = request.app.state.api_keys
    if not keys:
        return
    if credentials is None:
        raise ApiError(
            401, "unauthorized", "missing 'Authorization: Bearer <key>' header", CHALLENGE
        )
    token = credentials.credentials
    if not any(hmac.compare_digest(token.encode(), key.encode()) for key in keys):
        raise ApiError(401, "unauthorized", "invalid API key", CHALLENGE)
