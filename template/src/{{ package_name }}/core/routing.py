"""Routers of the ``/v1`` API: authenticated, rate-limited, and strict about their bodies.

``v1_router`` is what a feature module builds its ``router`` from. Its routes read JSON
bodies with ``json_codec.loads`` and refuse a body that is not ``application/json`` (415).

Its routes document every error they can answer, each with the one error shape
(``errors.ErrorBody``): 401, 429, 500 and 503 everywhere; 400, 413 and 415 where there is a
body; 422 where there is a body or a parameter. A route declares the others it answers (404,
502, ...) in its ``responses``, with a description only: ``ErrorBody`` is filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from . import errors, json_codec
from .auth import authenticate, bearer_token, require_api_key
from .deps import rate_limit
from .errors import ApiError

ERROR_CONTENT = {"application/json": {"schema": errors.SCHEMA_REF}}


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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        takes_body = self.body_field is not None or "requestBody" in (self.openapi_extra or {})
        statuses = [400, 413, 415] if takes_body else []
        if takes_body or get_flat_params(self.dependant):
            statuses.append(422)  # declared, it replaces FastAPI's HTTPValidationError
        for status in statuses:
            self.responses.setdefault(status, errors.documented(status))
        for key, response in list(self.responses.items()):
            if int(key) >= 400 and not {"model", "content"} & response.keys():
                self.responses[key] = {**response, "content": ERROR_CONTENT}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None

        async def strict_handler(request: Request) -> Response:
            if takes_json:  # FastAPI reads a body before the dependencies: the key goes first
                authenticate(request, bearer_token(request))
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
        dependencies=[Depends(require_api_key), Depends(rate_limit)],
        responses=errors.responses(401, 429, 500, 503),
    )
