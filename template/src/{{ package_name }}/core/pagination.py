"""Cursor pagination for list endpoints: newest first, stable while rows are added.

A page is ``{"items": [...], "next_cursor": "..." | null}``; pass ``next_cursor`` back as
``?cursor=`` for the next page. The cursor is a position: the last row's creation time (in
microseconds since 1970) and id, ``<micros>_<id>``, so a row created between two pages never
shifts or repeats what follows. Any value of that form is a position, so the document's pattern
says exactly which cursors are accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from .timestamps import as_utc

T = TypeVar("T")
Row = TypeVar("Row", bound=Any)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")]
CURSOR = r"^[0-9]{1,17}_[0-9A-Za-z-]{1,36}$"
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR, description="the next_cursor of the previous page")
]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A list read in the order it was written, oldest first, by an integer id: its cursor is
# the id of the page's last row.
AFTER = r"^[0-9]{1,18}$"
AfterQuery = Annotated[
    str | None, Query(pattern=AFTER, description="the next_cursor of the previous page")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def _encode(created_at: datetime, row_id: str) -> str:
    return f"{(as_utc(created_at) - EPOCH) // timedelta(microseconds=1)}_{row_id}"


def _decode(cursor: str) -> tuple[datetime, str]:
    micros, _, row_id = cursor.partition("_")
    return EPOCH + timedelta(microseconds=int(micros)), row_id


def newest_first(
    query: Select[Row],
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    cursor: str | None,
    limit: int,
) -> Select[Row]:
    """``query`` ordered newest first, from after ``cursor``, one row more than a page."""
    if cursor is not None:
        at, after_id = _decode(cursor)
        query = query.where(or_(created_at < at, and_(created_at == at, row_id < after_id)))
    return query.order_by(created_at.desc(), row_id.desc()).limit(limit + 1)


def page(rows: Sequence[Row], limit: int, item: Callable[[Row], T]) -> Page[T]:
    """A page of ``item(row)`` from what ``newest_first`` selected; a cursor if there is more."""
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = _encode(last.created_at, last.id)
    return Page[T](items=[item(row) for row in rows[:limit]], next_cursor=cursor)
