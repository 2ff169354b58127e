"""One time format: UTC in the database, ISO 8601 with its offset in the API.

SQLite keeps no time zone (it gives back naive datetimes) and Postgres does; every
timestamp column uses ``UtcDateTime``, so both store UTC and give back aware UTC datetimes,
and every API field uses ``Timestamp``, so both answer ``2026-11-25T09:00:00.123456+00:00``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The column default: set by the service, the same on every database."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware values converted to UTC; naive ones are UTC already (SQLite's ``now()`` too)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def isoformat(value: datetime) -> str:
    """Microseconds always, and the offset: every timestamp has the same shape."""
    return as_utc(value).isoformat(timespec="microseconds")


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` (the same DDL) that stores UTC and reads aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


Timestamp = Annotated[
    datetime,
    PlainSerializer(isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A datetime field of the API, written as ``isoformat`` writes it."""
