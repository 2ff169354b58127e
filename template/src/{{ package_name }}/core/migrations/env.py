"""Alembic environment: run the migrations over the service's own async engine.

The ``migrate`` admin task passes the database URL, the engine factory and the table
metadata in ``config.attributes``, so this file needs no configuration of its own.

One migrator at a time: each takes a lock before Alembic reads its version table and holds
it until the migration's transaction ends, so migrators started at once (a deploy's every
replica) wait their turn, then find the schema at head. Postgres: an advisory lock. SQLite:
its write lock, taken at BEGIN IMMEDIATE, DDL included in the transaction.

A database that records a revision by the id it had before ids carried their branch
(``0011``, now ``chat_0005``: ``revisions.py``) is re-stamped first, in the same transaction:
its ``alembic_version`` rows are renamed, then Alembic upgrades from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from alembic import context
from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

attributes = context.config.attributes
target_metadata: MetaData = attributes["target_metadata"]
create_engine: Callable[[str], AsyncEngine] = attributes["create_engine"]
lock_key: int = attributes["migration_lock_key"]
begin_immediate: str = attributes["begin_immediate"]  # the engine's execution option
renamed: dict[str, str] = attributes.get("renamed_revisions", {})  # former id -> id
SQLITE_LOCK_WAIT_MS = 600_000
VERSION_TABLE = "alembic_version"  # Alembic's default, which this environment keeps
READ_VERSIONS = text("SELECT version_num FROM alembic_version")
RENAME_VERSION = text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old")
log = structlog.get_logger("migrations")


def _sqlite_wait_for_migrators(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")  # wait for other migrators
    cursor.close()


def _restamp(connection: Connection) -> None:
    """Rename the version rows that hold a revision's former id to its id now."""
    if not renamed or not inspect(connection).has_table(VERSION_TABLE):
        return
    recorded = connection.execute(READ_VERSIONS).scalars().all()
    changes = {old: renamed[old] for old in recorded if old in renamed}
    for old, new in changes.items():
        connection.execute(RENAME_VERSION, {"old": old, "new": new})
    if changes:
        log.info("migrations.restamped", renamed=changes)


def _run(connection: Connection) -> None:
    connection.begin()  # Alembic runs inside this transaction, and leaves it to us to commit
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    _restamp(connection)  # after the lock: one migrator re-stamps, the others find it done
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_wait_for_migrators)
    try:
        async with engine.connect() as connection:
            # On SQLite, the engine then begins with BEGIN IMMEDIATE (core/database.py).
            await connection.execution_options(**{begin_immediate: True})
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


asyncio.run(_run_online(attributes["database_url"]))
