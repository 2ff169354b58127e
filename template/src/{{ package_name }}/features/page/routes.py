"""``GET /``: the page; ``/page/config.json``: its tabs; ``/page/<feature>/<file>``: its files.

Every answer carries a strict Content-Security-Policy: scripts, styles and requests go to
this service only, nothing inline, nothing from elsewhere. ``PAGE_ENABLED`` turns it off
(404), as it is by default when ``APP_ENV=production``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from ...core.errors import ApiError
from ...core.feature import Feature
from ...llm.services import Services, ServicesDep
from .assets import Assets, config, find
from .settings import PageSettings

Features = Sequence[Feature[Services]]
router = APIRouter(tags=["page"], include_in_schema=False)
REFUSED = ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
INDEX = Path(__file__).parent / "web" / "index.html"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _require_enabled(services: ServicesDep) -> None:
    if not services.config(PageSettings).enabled(services.settings):
        raise ApiError(404, "not_found", "the page is off (PAGE_ENABLED)")


def _answer(content: bytes, media_type: str) -> Response:
    return Response(content, media_type=media_type, headers=HEADERS)


@asynccontextmanager
async def lifespan(app: FastAPI, services: Services, features: Features) -> AsyncIterator[None]:
    """Find the features' page files once, at start."""
    app.state.page_assets = find(features)
    yield


def _assets(request: Request) -> Assets:
    assets: Assets = request.app.state.page_assets
    return assets


@router.get("/")
async def index(services: ServicesDep) -> Response:
    """The page: a tab per use case, no build step, nothing loaded from elsewhere."""
    _require_enabled(services)
    return _answer(INDEX.read_bytes(), "text/html; charset=utf-8")


@router.get("/page/config.json")
async def page_config(request: Request, services: ServicesDep) -> Response:
    """The tabs the page shows (the features that ship ``web/tab.js``) and helper scripts."""
    _require_enabled(services)
    return _answer(json.dumps(config(_assets(request))).encode(), "application/json")


@router.api_route("/", methods=REFUSED)
@router.api_route("/page/config.json", methods=REFUSED)
async def refused(request: Request) -> None:
    """The page is read only: every other method is a 405 that names the one allowed."""
    message = f"{request.method} is not allowed here; use GET"
    raise ApiError(405, "method_not_allowed", message, {"Allow": "GET"})


@router.get("/page/{feature}/{name}")
async def page_file(feature: str, name: str, request: Request, services: ServicesDep) -> Response:
    """One file of a feature's ``web/`` folder, by its exact name; anything else is a 404."""
    _require_enabled(services)
    asset = _assets(request).get((feature, name))
    if asset is None:
        raise ApiError(404, "not_found", "no such file of the page")
    return _answer(asset.path.read_bytes(), asset.media_type)


router.add_api_route("/page/{feature}/{name}", refused, methods=REFUSED)
