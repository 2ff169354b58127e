"""The schema's revision: what Alembic's scripts call head, and what the database has.

Each feature's tables are a migration branch of their own, in the feature's ``migrations/``
folder, labelled with the feature's name, each revision's id too (``revisions.py``);
``migrations/env.py`` runs them all. A revision here is every branch's head, sorted and
joined with ``+``: for example ``chat_0005+jobs_0003``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from . import revisions
from .database import BEGIN_IMMEDIATE, Base, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

# The Postgres advisory lock that migrations hold (``migrations/env.py``): any fixed 64-bit
# number, as such locks are per database.
MIGRATION_LOCK_KEY = 0x6D6967726174696F


def alembic_config(database_url: str, folders: Sequence[Path]) -> Config:
    """Alembic's configuration: the features' branches (``folders``), whose tables must be
    imported already (the composition root imported every feature)."""
    from alembic.config import Config  # start-up cost: Alembic, half a second

    config = Config()
    config.set_main_option("script_location", f"{__package__}:migrations")
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(f) for f in folders))
    config.attributes.update(
        database_url=database_url,
        renamed_revisions=revisions.renamed(folders),
        target_metadata=Base.metadata,
        create_engine=create_engine,
        migration_lock_key=MIGRATION_LOCK_KEY,
        begin_immediate=BEGIN_IMMEDIATE,
    )
    return config


def migration_heads(folders: Sequence[Path]) -> list[str]:
    """Every migration branch's head revision, sorted (read without importing Alembic)."""
    return revisions.heads(revisions.graph(folders))


def head_revision(folders: Sequence[Path]) -> str | None:
    return "+".join(migration_heads(folders)) or None


def known_revisions(folders: Sequence[Path]) -> frozenset[str]:
    """Every revision this code's migrations know: heads, their ancestors, and the ids that
    released revisions had before their ids carried their branch (``revisions.renamed``)."""
    return frozenset(revisions.graph(folders)) | frozenset(revisions.renamed(folders))


def is_current_enough(current: str | None, heads: str | None, known: frozenset[str]) -> bool:
    """Can this code serve a database at ``current``? At its heads, or past them.

    Past them: a newer release has migrated already (each branch at a revision this code does
    not know), while this one still serves, during a rollout. Its migrations only add
    (expand, then contract a release later), so the older code keeps working meanwhile.
    Behind (a branch at a known revision older than its head, or missing): not ready. A
    revision's former id (``0011``, before ids carried their branch) is known, and behind:
    ``admin migrate`` re-stamps it.
    """
    if current == heads:
        return True
    at = set(current.split("+")) if current else set()
    ahead = at - known
    expected = set(heads.split("+")) if heads else set()
    return bool(ahead) and at - ahead <= expected and len(at) >= len(expected)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's revision; None when it has never been migrated."""
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:
            # No alembic_version table: the database answers but was never migrated.
            await connection.rollback()
            await connection.execute(text("SELECT 1"))
            return None
        return "+".join(sorted(result.scalars())) or None
