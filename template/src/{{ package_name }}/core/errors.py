"""One error shape everywhere: ``{"error": {"code", "message", "request_id"}}``.

Every non-2xx answer has it, with ``Content-Type: application/json`` and ``X-Request-ID``:
the service's own errors (``ApiError``), routing's 404 and 405, validation errors, a
database outage (503), a bug (500, see ``unhandled.py``) and a request cut off by shutdown.

``responses`` documents them in the OpenAPI document: the ``/v1`` routers declare the ones
every operation can answer, and ``routing.JSONRoute`` those of operations with a body or
parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from .database import DATABASE_ERRORS
from .responses import SafeJSONResponse

log = structlog.get_logger(__name__)

# Status -> code for the errors routing and Starlette raise on their own.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ApiError(HTTPException):
    """An error with an HTTP status, a stable code and a message for the client.

    It is an ``HTTPException``, so FastAPI lets it through from anywhere, even from reading
    the request body.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status, message, headers)
        self.status, self.code, self.message = status, code, message
        self.extra = extra


class ErrorDetail(BaseModel):
    """What went wrong; some errors add fields a client can act on."""

    code: str = Field(description="Stable and machine-readable, e.g. ``invalid_request``")
    message: str = Field(description="For a human: what was wrong and what to do")
    request_id: str | None = Field(description="The ``X-Request-ID`` of the answer")


class ErrorBody(BaseModel):
    """The body of every non-2xx answer."""

    error: ErrorDetail


# What each error status means here, for the OpenAPI document.
DESCRIPTIONS = {
    400: "The body is not JSON the service accepts (code ``invalid_json``): invalid JSON, "
    "not UTF-8, NaN or Infinity, a lone surrogate, a NUL character, a number of more than "
    "40 characters or nesting deeper than 32 levels",
    401: "``API_KEYS`` is set and the request has no valid ``Authorization: Bearer <key>``",
    404: "Not found",
    413: "The body is over ``MAX_REQUEST_BYTES`` (or the endpoint's own limit)",
    415: "The body's ``Content-Type`` is not one the operation takes",
    422: "The request does not match the schema (code ``invalid_request``)",
    429: "Over ``RATE_LIMIT_RPM`` or ``RATE_LIMIT_TPM`` (code ``rate_limited``), or the day's "
    "``TOKEN_BUDGET_PER_DAY`` is spent (code ``budget_exceeded``, with ``reset_at``): retry "
    "after ``Retry-After`` seconds",
    500: "A bug: the error is logged with the request id",
    502: "The LLM provider failed",
    503: "The database or another backing service is unavailable, or the server is "
    "shutting down: retry later",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "``Bearer``",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until the request would be accepted",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
SCHEMA_REF = {"$ref": "#/components/schemas/ErrorBody"}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each with the ``ErrorBody`` model."""
    return {status: {"model": ErrorBody, **documented(status)} for status in statuses}


def documented(status: int, description: str | None = None) -> dict[str, Any]:
    """A response's description and headers, from the tables above."""
    found: dict[str, Any] = {"description": description or DESCRIPTIONS[status]}
    if status in HEADERS:
        found["headers"] = HEADERS[status]
    return found


def current_request_id() -> str | None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return request_id if isinstance(request_id, str) else None


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    request_id = current_request_id()
    return {"error": {"code": code, "message": message, "request_id": request_id, **extra}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> SafeJSONResponse:
    return SafeJSONResponse(error_body(code, message, **extra), status, headers=headers)


async def _api_error(_: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)


async def _http_error(request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request)
    return error_response(exc.status_code, code, str(exc.detail), headers)


def _allowed(request: Request) -> str:
    """Every method the document declares for the path: routing names only one route's."""
    paths: dict[str, dict[str, Any]] = request.app.openapi()["paths"]
    methods = set()
    for template, operations in paths.items():
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), request.url.path):
            methods |= {method.upper() for method in operations if method.upper() in METHODS}
    return ", ".join(sorted(methods))


METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}


async def _validation_error(_: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for item in exc.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        parts.append(f"{where}: {item.get('msg', '')}")
    return error_response(422, "invalid_request", "; ".join(parts))


async def _database_error(_: Request, exc: Exception) -> SafeJSONResponse:
    log.error("database.error", error_type=type(exc).__name__)
    return error_response(503, "database_unavailable", "the database is unavailable; retry later")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for error_type in DATABASE_ERRORS:
        app.add_exception_handler(error_type, _database_error)
