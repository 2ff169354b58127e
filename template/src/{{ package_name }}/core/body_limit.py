"""Bound what a client can send: ``MAX_REQUEST_BYTES`` per request body, checked as it streams.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked
body is counted as it arrives and refused as soon as it passes the limit. Either way the
answer is 413 in the usual error shape, and the connection is closed rather than drained.
An endpoint that takes larger bodies (an upload) raises its own limit with ``allow``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError

SCOPE_KEY = "body_limit"


class PayloadTooLarge(ApiError):
    def __init__(self, limit: int, setting: str) -> None:
        message = f"the request body is over {setting} ({limit} bytes)"
        super().__init__(413, "payload_too_large", message, {"Connection": "close"})


class _Limit:
    def __init__(self, limit: int, setting: str) -> None:
        self.limit, self.setting = limit, setting


def allow(request: Request, limit: int, setting: str) -> None:
    """Let this request's body be up to ``limit`` bytes (``setting`` names it in errors)."""
    request.scope[SCOPE_KEY] = _Limit(limit, setting)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = _Limit(self.limit, "MAX_REQUEST_BYTES")
        declared = _content_length(scope)
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            limit: _Limit = scope[SCOPE_KEY]  # read now: the endpoint may have raised it
            if declared is not None and declared > limit.limit:
                raise PayloadTooLarge(limit.limit, limit.setting)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.limit:
                    raise PayloadTooLarge(limit.limit, limit.setting)
            return message

        await self.app(scope, receive_limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
