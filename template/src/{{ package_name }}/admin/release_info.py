"""``admin release-info``: the release this build is, as one JSON event.

The build stamp (``core/release.py``), the template version that generated the project
(from ``.copier-answers.yml``, when the project's files are at hand) and the migration heads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import structlog

from ..composition import discover
from ..core.feature import migration_folders
from ..core.release import current
from ..core.revision_state import migration_heads
from ..core.settings import Settings
from .task import AdminTask

log = structlog.get_logger(__name__)
ANSWERS_FILE = ".copier-answers.yml"


def template_version(start: Path) -> str | None:
    """The ``_commit`` of the nearest ``.copier-answers.yml`` at or above ``start``."""
    for folder in (start, *start.parents):
        answers = folder / ANSWERS_FILE
        if answers.is_file():
            for line in answers.read_text("utf-8").splitlines():
                key, _, value = line.partition(":")
                if key.strip() == "_commit":
                    return value.strip().strip("'\"") or None
            return None
    return None


def _run(settings: Settings, args: argparse.Namespace) -> int:
    log.info(
        "admin.release_info",
        **current().as_dict(),
        template_version=template_version(Path.cwd()) or template_version(Path(__file__)),
        migration_heads=migration_heads(migration_folders(discover())),
    )
    return 0


task = AdminTask("print the release: version, commit, build time, template, migration heads", _run)
