"""Cursor pagination for list endpoints: newest first, stable while rows are added.

A page is ``{"items": [...], "next_cursor": "..." | null}``; pass ``next_cursor`` back as
``?cursor=`` for the next page. The cursor is the last row's ``(created_at, id)``, opaque to
clients, so a row created between two pages never shifts or repeats what follows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from .errors import ApiError

T = TypeVar("T")
Row = TypeVar("Row", bound=Any)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")]
CursorQuery = Annotated[
    str | None, Query(max_length=200, description="the next_cursor of the previous page")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def _encode(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, row_id = json.loads(raw)
        return datetime.fromisoformat(created_at), str(row_id)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ApiError(400, "invalid_cursor", "the cursor is not one this service gave") from exc


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
