"""``GET /docs`` (Swagger UI) and ``GET /redoc`` (ReDoc): the API reference, from this service.

Every file they load is served here (``/docs/assets/<file>``), under a Content-Security-Policy
that allows nothing from elsewhere and no inline script (Swagger UI starts from a file). ReDoc
writes its styles at run time and searches in a background script it starts from a blob: its
page allows inline styles and that (``worker-src blob:``), never inline scripts; its Redocly
logo, on a CDN, is refused (it hides itself). ``DOCS_ENABLED`` turns them off (404), as they
are by default when ``APP_ENV=production``. ``/openapi.json`` stays on: clients and contract
tests read it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from ...core.errors import ApiError
from ...llm.services import ServicesDep
from .assets import assets
from .settings import DocsSettings

router = APIRouter(tags=["docs"], include_in_schema=False)
REFUSED = ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
FILES = Path(__file__).parent / "files"
POLICY = (
    "default-src 'none'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Each page: its HTML file and its policy.
PAGES = {
    "/docs": ("swagger.html", f"{POLICY}; style-src 'self'"),
    "/redoc": ("redoc.html", f"{POLICY}; style-src 'self' 'unsafe-inline'; worker-src blob:"),
}
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _require_enabled(services: ServicesDep) -> None:
    if not services.config(DocsSettings).enabled(services.settings):
        raise ApiError(404, "not_found", "the API reference pages are off (DOCS_ENABLED)")


@router.get("/docs")
@router.get("/redoc")
async def page(request: Request, services: ServicesDep) -> Response:
    """One of the two pages: HTML that loads only this service's files."""
    _require_enabled(services)
    name, policy = PAGES[request.url.path]
    headers = {**HEADERS, "Content-Security-Policy": policy, "Cache-Control": "no-cache"}
    html = (FILES / name).read_bytes()
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/docs/assets/{name}")
async def asset(name: str, services: ServicesDep) -> Response:
    """A file of the pages, by its exact name; anything else is a 404."""
    _require_enabled(services)
    found = assets().get(name)
    if found is None:
        raise ApiError(404, "not_found", "no such file of the API reference pages")
    headers = {
        **HEADERS,
        "Content-Security-Policy": f"{POLICY}; style-src 'self'",
        "Cache-Control": "public, max-age=3600",
    }
    return FileResponse(found.path, media_type=found.media_type, headers=headers)


@router.api_route("/docs", methods=REFUSED)
@router.api_route("/redoc", methods=REFUSED)
@router.api_route("/docs/assets/{name}", methods=REFUSED)
async def refused(request: Request) -> None:
    """The pages are read only: every other method is a 405 that names the one allowed."""
    message = f"{request.method} is not allowed here; use GET"
    raise ApiError(405, "method_not_allowed", message, {"Allow": "GET"})
