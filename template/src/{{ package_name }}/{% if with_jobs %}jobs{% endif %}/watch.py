"""One poller per process for every job that an event stream follows.

A stream waits for its job to change without querying the database itself. While any
stream is open, one task per process reads the version (status, ``updated_at``, attempts)
of every followed job in one query every ``INTERVAL_S``, loads the jobs that changed, once
for all their streams, and wakes those streams. With no stream open it does nothing.

Why a poller rather than notifications (Redis pub/sub, Postgres ``LISTEN``): it sees the
changes of every process, the workers included, on SQLite and Postgres, with or without
Redis, and a change cannot be missed by a notification lost on the way. Its cost does not
grow with the streams: 400 streams on one web process cost about what one does, a few
queries a second (see the benchmarks).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..core.database import DATABASE_ERRORS
from . import store

log = structlog.get_logger(__name__)
INTERVAL_S = 0.25
CHUNK = 500  # ids per query, well under every database's limit of parameters


class Unavailable(Exception):
    """The database could not be read: the followed jobs' changes are unknown."""


class _Followed:
    """A followed job: how many streams follow it, and what the last poll saw of it."""

    def __init__(self) -> None:
        self.streams = 0
        self.seen = False
        self.version: store.Version | None = None
        self.job: dict[str, Any] | None = None  # None: no such job (deleted)
        self.failed = False
        self.woken = asyncio.Event()

    def update(self, job: dict[str, Any] | None, *, failed: bool = False) -> None:
        self.seen, self.job, self.failed = True, job, failed
        self.version = None if job is None else store.version(job)
        self.woken.set()
        self.woken = asyncio.Event()


class JobWatch:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.followed: dict[str, _Followed] = {}
        self.polls = 0  # queries of versions, for anyone who counts
        self._task: asyncio.Task[None] | None = None

    @contextmanager
    def follow(self, job_id: str) -> Iterator[None]:
        """Follow ``job_id`` while the block runs: the poller reads it with the others."""
        followed = self.followed.setdefault(job_id, _Followed())
        followed.streams += 1
        if self._task is None or self._task.done():
            # A context of its own: its log lines carry no request's id or owner.
            self._task = asyncio.create_task(self._poll(), context=contextvars.Context())
        try:
            yield
        finally:
            followed.streams -= 1
            if not followed.streams:
                del self.followed[job_id]

    async def changed(self, job_id: str, since: store.Version) -> dict[str, Any] | None:
        """Wait until the followed job differs from version ``since``; return it (None if
        it was deleted). Raise Unavailable when the database cannot be read."""
        followed = self.followed[job_id]
        while not followed.seen or (followed.version == since and not followed.failed):
            await followed.woken.wait()
        if followed.failed:
            raise Unavailable
        return followed.job

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _poll(self) -> None:
        failures = 0
        while self.followed:
            try:
                await self._read(list(self.followed))
            except DATABASE_ERRORS as exc:
                if not failures:
                    log.warning("jobs.watch_failed", error=type(exc).__name__)
                failures += 1
                for followed in self.followed.values():
                    followed.update(followed.job, failed=True)
            else:
                failures = 0
            await asyncio.sleep(INTERVAL_S)

    def _stale(self, job_id: str, version: store.Version | None) -> bool:
        """Whether what the streams of ``job_id`` saw last is not its ``version`` now (or
        the last poll failed)."""
        followed = self.followed.get(job_id)
        if followed is None:
            return False
        return followed.failed or not (followed.seen and followed.version == version)

    async def _read(self, job_ids: list[str]) -> None:
        """One query for the versions of every followed job; one more for those that changed."""
        self.polls += 1
        async with self.sessions() as session:
            versions: dict[str, store.Version] = {}
            for start in range(0, len(job_ids), CHUNK):
                versions.update(await store.versions(session, job_ids[start : start + CHUNK]))
            changed = [job_id for job_id in job_ids if self._stale(job_id, versions.get(job_id))]
            jobs = await store.get_many(session, changed) if changed else {}
        for job_id in changed:
            if job_id in self.followed:
                self.followed[job_id].update(jobs.get(job_id))
