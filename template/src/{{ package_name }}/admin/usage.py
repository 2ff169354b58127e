"""``admin usage --since 7d``: the tokens used, by day, owner and model, from what was stored.

Each feature says where it stored its LLM calls' tokens (``usage`` in ``features/__init__.py``):
chat in its assistant messages, the jobs in their results. Only what was stored counts: a
reply that failed or was cut off, or a job that did not succeed, stored none. The sums are
SQL's, on SQLite and Postgres alike; a day is a UTC day and an owner is an API key's owner
(``anonymous`` without ``API_KEYS``). One ``admin.usage.row`` event per day, owner, model and
currency, oldest first, then ``admin.usage.total``. Costs are the gateway's, from the price
table when the call was made, summed per currency (``costs``); ``unpriced`` counts the calls
whose model had no price (their cost is unknown, not 0).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from ..composition import discover
from ..core.database import create_engine
from ..core.settings import Settings
from ..core.timestamps import isoformat
from ..core.usage import UsageRows
from .durations import Age, age
from .task import AdminTask

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class UsageRow:
    day: str
    owner: str
    model: str | None
    input_tokens: int
    output_tokens: int
    requests: int
    cost: float | None
    currency: str | None
    unpriced: int


def _utc_day(dialect: str, at: ColumnElement[datetime]) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a stored time, in UTC (SQLite stores UTC without a zone)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", at), "YYYY-MM-DD")
    return func.date(at)


def _query(
    sources: list[UsageRows], dialect: str, since: datetime
) -> Select[str, str, str | None, str | None, int, int, int, float | None, int]:
    rows = (sources[0] if len(sources) == 1 else union_all(*sources)).subquery("calls")
    dated = (
        select(
            _utc_day(dialect, rows.c.at).label("day"),
            rows.c.owner,
            rows.c.model,
            rows.c.input_tokens,
            rows.c.output_tokens,
            rows.c.requests,
            rows.c.cost,
            rows.c.currency,
            rows.c.unpriced,
        )
        .where(rows.c.at >= since)
        .subquery("dated")
    )
    keys = (dated.c.day, dated.c.owner, dated.c.model, dated.c.currency)
    return (
        select(
            *keys,
            func.coalesce(func.sum(dated.c.input_tokens), 0),
            func.coalesce(func.sum(dated.c.output_tokens), 0),
            func.coalesce(func.sum(dated.c.requests), 0),
            func.sum(dated.c.cost),
            func.coalesce(func.sum(dated.c.unpriced), 0),
        )
        .group_by(*keys)
        .order_by(*keys)
    )


async def usage(engine: AsyncEngine, since: datetime) -> list[UsageRow]:
    """The stored usage since ``since``, by UTC day, owner and model."""
    sources = [source for feature in discover() for source in feature.usage]
    if not sources:
        return []
    async with engine.connect() as connection:
        result = await connection.execute(_query(sources, engine.dialect.name, since))
        return [
            UsageRow(
                str(day),
                owner,
                model,
                int(tokens_in),
                int(tokens_out),
                int(requests),
                None if cost is None else round(float(cost), 10),
                currency,
                int(unpriced),
            )
            for day, owner, model, currency, tokens_in, tokens_out, requests, cost, unpriced in (
                result
            )
        ]


async def _usage(settings: Settings, since: datetime) -> list[UsageRow]:
    engine = create_engine(settings.database_url.get_secret_value())
    try:
        return await usage(engine, since)
    finally:
        await engine.dispose()


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=age,
        default="7d",
        metavar="AGE",
        help="count what was used in the last AGE: a number and a unit, s m h d or w (7d)",
    )


def _costs(rows: list[UsageRow]) -> dict[str, float]:
    """The total cost in each currency."""
    costs: dict[str, float] = {}
    for row in rows:
        if row.cost is not None and row.currency is not None:
            costs[row.currency] = round(costs.get(row.currency, 0.0) + row.cost, 10)
    return costs


def _run(settings: Settings, args: argparse.Namespace) -> int:
    since_age: Age = args.since
    since = datetime.now(UTC) - since_age.delta
    rows = asyncio.run(_usage(settings, since))
    for row in rows:
        log.info("admin.usage.row", **asdict(row))
    log.info(
        "admin.usage.total",
        since=isoformat(since),
        rows=len(rows),
        input_tokens=sum(row.input_tokens for row in rows),
        output_tokens=sum(row.output_tokens for row in rows),
        requests=sum(row.requests for row in rows),
        costs=_costs(rows),
        unpriced=sum(row.unpriced for row in rows),
    )
    return 0


task = AdminTask(
    "sum the stored tokens and costs by day, API key owner and model over the last --since",
    _run,
    _arguments,
)
