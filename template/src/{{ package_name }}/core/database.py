"""The database (factor IV): attached by ``DATABASE_URL``, SQLite or Postgres alike."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, MetaData, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from .telemetry import instrument_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The tables' base: each feature's ``models.py`` declares its tables on it; each
    feature's ``migrations/`` (an Alembic branch of its own) creates them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# What a database outage raises: SQLAlchemy's errors, and the socket errors that some
# drivers (asyncpg) let through unwrapped when the server cannot be reached at all.
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, OSError)


def create_engine(url: str, pool_size: int = 10, max_overflow: int = 5) -> AsyncEngine:
    """The engine of ``DATABASE_URL``; a server's pool holds ``pool_size`` connections, and
    up to ``max_overflow`` more under load (``DATABASE_POOL_SIZE``, ``DATABASE_MAX_OVERFLOW``)."""
    if url.startswith("sqlite"):
        # A local file cannot drop a connection as a server can: no ping before each use.
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    else:
        engine = create_async_engine(
            url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow
        )
    instrument_engine(engine)  # a span per statement, when telemetry is on
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    """WAL: readers never block the writer nor it them. NORMAL sync is safe with WAL (a power
    cut can lose the last commits, not corrupt the file). A writer from another process is
    waited for up to 5 s, not refused."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode")
    if cursor.fetchone()[0] not in ("wal", "memory"):
        # WAL is a property of the file: the first connection sets it for all. SQLite
        # refuses the switch at once while another connection writes; then the next
        # connection tries again, and this one works in the old mode meanwhile.
        with contextlib.suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The transactions are begun by ``_sqlite_begin``, not by the driver (SQLAlchemy's
    # recipe for SQLite): the driver's implicit BEGIN is always a deferred one.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE for a write transaction: it takes SQLite's write lock at once (waiting
    up to the busy timeout for another process's writer). A deferred transaction that reads
    and then writes would fail at once with "database is locked" when another connection
    committed in between, without waiting."""
    writes = connection.get_execution_options().get(BEGIN_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


# SQLite takes one writer at a time. In one process, writers wait their turn here, in order,
# instead of in SQLite's busy loop (which sleeps and retries, and spikes the latency).
# The execution option that makes a connection's transactions BEGIN IMMEDIATE on SQLite:
# the writers' doors below set it, and so do migrations (``migrations/env.py``).
BEGIN_IMMEDIATE = "sqlite_begin_immediate"
_SQLITE_WRITERS: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()
_IN_WRITE: ContextVar[bool] = ContextVar("in_write", default=False)


@asynccontextmanager
async def _writer_turn(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine to write with, once it is this task's turn (at once on a server)."""
    if engine.dialect.name != "sqlite":
        yield engine
        return
    if _IN_WRITE.get():
        raise RuntimeError("a write transaction inside another would wait for itself: use one")
    lock = _SQLITE_WRITERS.get(engine.sync_engine)
    if lock is None:
        lock = _SQLITE_WRITERS[engine.sync_engine] = asyncio.Lock()
    marker = _IN_WRITE.set(True)
    try:
        async with lock:
            yield engine.execution_options(**{BEGIN_IMMEDIATE: True})  # same pool, BEGIN IMMEDIATE
    finally:
        _IN_WRITE.reset(marker)


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One write transaction, committed when the block ends (rolled back if it raises).

    On SQLite, the process's write transactions run one at a time: keep them short, and
    never wait on anything else (an LLM call, another write) inside one.
    """
    async with _writer_turn(engine) as writer, writer.begin() as connection:
        yield connection


@asynccontextmanager
async def write_session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for writes, committed when the block ends (rolled back if it raises).

    Every write goes through here or ``writing``: on SQLite they take turns in the process.
    Reads need no turn: ``async with sessions() as session``.
    """
    engine = sessions.kw["bind"]
    async with _writer_turn(engine) as writer, sessions(bind=writer) as session:
        yield session
        await session.commit()


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads, with no transaction around them: on a server, no BEGIN and
    no ROLLBACK round trips, just the queries."""
    async with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
