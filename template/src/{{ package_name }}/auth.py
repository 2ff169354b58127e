"""Bearer-key authentication for ``/v1/*``, enabled by setting ``API_KEYS``."""

from __future__ import annotations

import hmac

from fastapi import Request

from .errors import ApiError

CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def require_api_key(request: Request) -> None:
    keys: frozenset[str] = request.app.state.api_keys
    if not keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401, "unauthorized", "missing 'Authorization: Bearer <key>' header", CHALLENGE
        )
    if not any(hmac.compare_digest(token.encode(), key.encode()) for key in keys):
        raise ApiError(401, "unauthorized", "invalid API key", CHALLENGE)
