"""Every timestamp of the API has one shape, on SQLite and Postgres alike: UTC, ISO 8601."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

ISO_8601_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")


def utc_timestamp(value: object) -> datetime:
    """The API's timestamp, checked: the one shape, offset 0, and recent (UTC, not local)."""
    assert isinstance(value, str) and ISO_8601_UTC.fullmatch(value), value
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0), value
    assert abs(datetime.now(UTC) - parsed) < timedelta(minutes=5), value
    return parsed
