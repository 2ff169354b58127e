"""The page's files: each feature's ``web`` folder (its ``Feature``), found once, by name.

Only the files found here are served, by exact name: ``/page/<feature>/<file>``. A name
that is not in the list (``..``, a slash, another suffix) is a 404, never a path on disk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...core.feature import Feature

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}\.(js|css)$")
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
TAB = "tab.js"  # a feature with this file is a tab of the page: a use case


@dataclass(frozen=True)
class Asset:
    path: Path
    media_type: str


Assets = dict[tuple[str, str], Asset]


def find(features: Sequence[Feature[Any]]) -> Assets:
    """(feature, file name) -> the file, for every allowed file of every feature's ``web``."""
    found: Assets = {}
    for feature in features:
        folder = feature.web
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and NAME.match(path.name):
                found[(feature.name, path.name)] = Asset(path, MEDIA_TYPES[path.suffix])
    return found


def config(assets: Assets) -> dict[str, list[dict[str, str]] | list[str]]:
    """What the page loads: a tab per feature that ships ``web/tab.js``, and helper scripts."""
    tabs: list[dict[str, str]] = []
    scripts: list[str] = []
    for feature, name in assets:
        url = f"/page/{feature}/{name}"
        if name == TAB:
            tabs.append({"name": feature, "script": url})
        elif name.endswith(".js") and feature != "page":
            scripts.append(url)
    return {"tabs": tabs, "scripts": scripts}
