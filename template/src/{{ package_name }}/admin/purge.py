"""``admin purge --older-than 30d``: delete the rows the features keep past a retention age.

Each feature declares what it lets go and when (``retention`` in ``features/__init__.py``):
rows idle or ended that long ago, with the rows that depend on them, never one still in use or
needed. Rows go in batches of ``--batch-size``, each batch its own short transaction that
deletes a row's dependents first and re-checks the age in every statement: a purge holds no
lock for long, a row that became active meanwhile stays, and one stopped halfway leaves no
orphan. ``--dry-run`` only counts. One ``admin.purge.rows`` event per kind of row, then
``admin.purge.done``.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..composition import discover
from ..core.database import create_engine, writing
from ..core.retention import Retention
from ..core.settings import Settings
from ..core.timestamps import isoformat
from .durations import Age, age
from .task import AdminTask

log = structlog.get_logger(__name__)
DEFAULT_BATCH_SIZE = 500


async def count(engine: AsyncEngine, policy: Retention, cutoff: datetime) -> dict[str, int]:
    """How many rows of each kind a purge at ``cutoff`` would delete."""
    expired = select(policy.key).where(policy.expired(cutoff))
    rows = select(func.count()).select_from(policy.key.class_).where(policy.expired(cutoff))
    async with engine.connect() as connection:
        counts = {policy.kind: await connection.scalar(rows)}
        for dependent in policy.dependents:
            of_expired = select(func.count()).select_from(dependent.key.class_)
            counts[dependent.kind] = await connection.scalar(
                of_expired.where(dependent.key.in_(expired))
            )
    return {kind: int(rows or 0) for kind, rows in counts.items()}


def _rowcount(result: CursorResult[Any]) -> int:
    return max(result.rowcount, 0)


async def _batch(
    engine: AsyncEngine, policy: Retention, cutoff: datetime, size: int
) -> tuple[int, dict[str, int]]:
    """Delete one batch in one transaction: how many rows were picked, and deleted by kind."""
    async with writing(engine) as connection:
        pick = select(policy.key).where(policy.expired(cutoff)).limit(size)
        ids = list((await connection.scalars(pick.with_for_update(skip_locked=True))).all())
        if not ids:
            return 0, {}
        # Every statement re-checks the age: a row that became active since it was picked
        # stays, with its dependents. (Postgres: the picked rows are locked until commit;
        # SQLite: the first DELETE takes the database's write lock.)
        still_expired = select(policy.key).where(policy.key.in_(ids), policy.expired(cutoff))
        deleted: dict[str, int] = {}
        for dependent in policy.dependents:
            statement = delete(dependent.key.class_).where(dependent.key.in_(still_expired))
            deleted[dependent.kind] = _rowcount(await connection.execute(statement))
        statement = delete(policy.key.class_).where(policy.key.in_(ids), policy.expired(cutoff))
        deleted[policy.kind] = _rowcount(await connection.execute(statement))
    return len(ids), deleted


async def purge(
    engine: AsyncEngine, policy: Retention, cutoff: datetime, batch_size: int
) -> tuple[dict[str, int], int]:
    """Delete the expired rows batch by batch: the counts by kind, and the batches run."""
    totals = dict.fromkeys([policy.kind, *(d.kind for d in policy.dependents)], 0)
    batches = 0
    while True:
        picked, deleted = await _batch(engine, policy, cutoff, batch_size)
        if not picked:
            break
        batches += 1
        for kind, rows in deleted.items():
            totals[kind] += rows
        log.debug("admin.purge.batch", kind=policy.kind, batch=batches, **deleted)
        if picked < batch_size or not deleted[policy.kind]:
            break  # the last one; or none left that may go (taken back meanwhile)
    return totals, batches


async def _purge(
    settings: Settings, cutoff: datetime, dry_run: bool, batch_size: int
) -> dict[str, int]:
    engine = create_engine(settings.database_url.get_secret_value())
    everything: dict[str, int] = {}
    try:
        for policy in [kind for feature in discover() for kind in feature.retention]:
            if dry_run:
                counts, batches = await count(engine, policy, cutoff), 0
            else:
                counts, batches = await purge(engine, policy, cutoff, batch_size)
            for kind, rows in counts.items():
                log.info(
                    "admin.purge.rows",
                    kind=kind,
                    rows=rows,
                    dry_run=dry_run,
                    **({} if dry_run or kind != policy.kind else {"batches": batches}),
                )
            everything.update(counts)
    finally:
        await engine.dispose()
    return everything


def _batch_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of rows: give 1 or more")
    return size


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--older-than",
        required=True,
        type=age,
        metavar="AGE",
        help="delete what is older than AGE: a number and a unit, s m h d or w (30d, 12h)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted; delete nothing"
    )
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"rows deleted per transaction (default {DEFAULT_BATCH_SIZE})",
    )


def _run(settings: Settings, args: argparse.Namespace) -> int:
    older_than: Age = args.older_than
    cutoff = datetime.now(UTC) - older_than.delta
    counts = asyncio.run(_purge(settings, cutoff, args.dry_run, args.batch_size))
    log.info(
        "admin.purge.done",
        older_than=older_than.text,
        cutoff=isoformat(cutoff),
        dry_run=args.dry_run,
        rows=sum(counts.values()),
    )
    return 0


task = AdminTask(
    "delete the stored data older than --older-than, in batches (--dry-run counts)",
    _run,
    _arguments,
)
