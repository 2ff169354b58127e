"""The files the reference pages load, each by its exact name: nothing else is served.

Swagger UI and ReDoc come from the pinned ``fastapi-offline`` package (its ``static``
folder: Swagger UI 5, ReDoc 2, MIT), found without importing it; the pages and Swagger UI's
start script are this folder's ``files/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

OWN = Path(__file__).parent / "files"
JS = "text/javascript; charset=utf-8"
VENDORED = {
    "swagger-ui-bundle.js": JS,
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": JS,
    "favicon.png": "image/png",
}


@dataclass(frozen=True)
class Asset:
    path: Path
    media_type: str


def _vendored_folder() -> Path:
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed: it ships the pages' assets")
    return Path(spec.submodule_search_locations[0]) / "static"


@cache
def assets() -> dict[str, Asset]:
    """File name -> the file, for every file a page may load."""
    folder = _vendored_folder()
    found = {name: Asset(folder / name, kind) for name, kind in VENDORED.items()}
    found["swagger-init.js"] = Asset(OWN / "swagger-init.js", JS)
    return found
