"""Writes on SQLite take turns in the process (``write_session``, ``writing``); on Postgres
they run side by side, as before."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from acme_helper.core.database import create_engine, sessionmaker, write_session, writing

from .support.databases import postgres_server

HOLD_S = 0.2


async def _spans(url: str, writers: int = 3) -> list[tuple[float, float]]:
    """When each of ``writers`` concurrent write sessions ran, each holding its turn a while."""
    engine = create_engine(url)
    sessions = sessionmaker(engine)

    async def one() -> tuple[float, float]:
        async with write_session(sessions) as session:
            started = time.monotonic()
            await session.execute(text("SELECT 1"))
            await asyncio.sleep(HOLD_S)
            return started, time.monotonic()

    try:
        return list(await asyncio.gather(*(one() for _ in range(writers))))
    finally:
        await engine.dispose()


def _overlap(spans: list[tuple[float, float]]) -> bool:
    ordered = sorted(spans)
    return any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered))


def test_write_sessions_take_turns_on_sqlite(tmp_path: Path) -> None:
    spans = asyncio.run(_spans(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"))
    assert not _overlap(spans)


def test_write_sessions_run_side_by_side_on_postgres() -> None:
    spans = asyncio.run(_spans(postgres_server()))
    assert _overlap(spans)


async def _nested(url: str) -> None:
    engine = create_engine(url)
    try:
        async with writing(engine), write_session(sessionmaker(engine)):
            pass
    finally:
        await engine.dispose()


def test_a_write_inside_a_write_is_refused_not_a_deadlock(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    with pytest.raises(RuntimeError, match="inside another would wait for itself"):
        asyncio.run(asyncio.wait_for(_nested(url), timeout=5))


async def _read_then_write(url: str, path: Path) -> int:
    """A write session that reads, lets another process's writer try to commit, then writes."""
    engine = create_engine(url)
    try:
        async with write_session(sessionmaker(engine)) as session:
            await session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        async with write_session(sessionmaker(engine)) as session:
            count = (await session.execute(text("SELECT count(*) FROM t"))).scalar_one()
            other = await asyncio.to_thread(_other_writer, path)
            assert other == "database is locked"  # it waited for us: our lock came first
            await session.execute(text("INSERT INTO t VALUES (:x)"), {"x": count})
        async with engine.connect() as connection:
            return int((await connection.execute(text("SELECT count(*) FROM t"))).scalar_one())
    finally:
        await engine.dispose()


def _other_writer(path: Path) -> str:
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("INSERT INTO t VALUES (99)")
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()
    return "written"


def test_a_write_session_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a write session that reads first still writes; without it, another
    writer committing in between would make its write fail at once (WAL's stale snapshot)."""
    path = tmp_path / "w.db"
    assert asyncio.run(_read_then_write(f"sqlite+aiosqlite:///{path}", path)) == 1
