"""``admin migrate``: apply every feature's migrations, up to their heads (the release step).

Migrators started at once take turns behind a database lock (``core/migrations/env.py``).
Alembic's own log lines go to the same JSON log as the task's.
"""

from __future__ import annotations

import argparse

import structlog

from ..composition import discover
from ..core.feature import migration_folders
from ..core.revision_state import alembic_config, head_revision
from ..core.settings import Settings
from .task import AdminTask

log = structlog.get_logger(__name__)


def migrate(settings: Settings) -> int:
    """Upgrade the database to every branch's head; 0 when done."""
    from alembic import command  # start-up cost: Alembic (half a second) only when migrating

    folders = migration_folders(discover())
    command.upgrade(alembic_config(settings.database_url.get_secret_value(), folders), "heads")
    log.info("admin.migrate.done", revision=head_revision(folders))
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    return migrate(settings)


task = AdminTask("apply the database migrations up to the latest revision", _run)
