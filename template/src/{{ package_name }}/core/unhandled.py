"""The last line of defence: a bug answers a JSON 500, a request cut off by shutdown a 503.

Starlette would answer a bug with its own 500 and then re-raise it, and uvicorn would close
the keep-alive connection; uvicorn answers a request it cancels at shutdown with a plain-text
500. Here both end in the one error shape, logged once, and the connection stays usable.
"""

from __future__ import annotations

import asyncio

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response

log = structlog.get_logger(__name__)


class UnhandledErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except asyncio.CancelledError:
            # uvicorn cancels what is still running once SHUTDOWN_GRACE_S is over.
            log.warning("http.cut_by_shutdown", response_started=started)
            if not started:
                message = "the server is shutting down; retry the request"
                await error_response(503, "shutting_down", message)(scope, receive, send)
            raise
        except Exception as exc:
            log.exception("http.unhandled_error", error_type=type(exc).__name__)
            if started:  # part of the answer is out: only closing the connection is honest
                raise
            await error_response(500, "internal_error", "internal server error")(
                scope, receive, send
            )
