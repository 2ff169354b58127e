"""Routers of the ``/v1`` API: authenticated, rate-limited, and strict about their bodies.

``v1_router`` is what a feature module builds its ``router`` from. Its routes read JSON
bodies with ``json_codec.loads`` and refuse a body that is not ``application/json`` (415).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from . import json_codec
from .auth import require_api_key
from .errors import ApiError
from .rate_limit import enforce


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json_codec.loads(await self.body())
        return self._json


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith("application/") and (
        kind == "application/json" or kind.endswith("+json")
    )


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None

        async def strict_handler(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            if takes_json and _has_body(request) and not _is_json(content_type):
                shown = content_type or "none"
                message = f"send the body as application/json (Content-Type was {shown})"
                raise ApiError(415, "unsupported_media_type", message)
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler


def v1_router(tag: str) -> APIRouter:
    return APIRouter(
        prefix="/v1",
        tags=[tag],
        route_class=JSONRoute,
        dependencies=[Depends(require_api_key), Depends(enforce)],
    )
