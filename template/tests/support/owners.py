"""Owners for tests that share a database: names of their own, so rows never mix."""

from __future__ import annotations

import uuid


def two_owners() -> str:
    """``API_KEYS`` for two owners: the first with two keys (a1, a2: a rotation), then b1."""
    first, second = (f"owner-{uuid.uuid4().hex[:8]}" for _ in range(2))
    return f"{first}:a1,{first}:a2,{second}:b1"
