"""What a feature lets ``admin purge`` delete: its rows past a retention age.

A feature declares a ``Retention`` per kind of row it keeps (``features/__init__.py``):
which rows are past a cutoff, and which rows of other tables go with each of them. The
purge deletes them in batches, each its own short transaction, dependents first, so no
batch leaves an orphan, and a purge stopped halfway leaves only whole rows behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

Expired = Callable[[datetime], ColumnElement[bool]]
"""Given the cutoff, the condition that selects the rows older than it."""


@dataclass(frozen=True)
class Dependent:
    """Rows of another table that belong to a purged row: deleted with it, counted apart."""

    kind: str
    """The name their count is reported under (``messages``)."""
    key: InstrumentedAttribute[Any]
    """Their column that holds the purged row's primary key (a child's foreign key)."""


@dataclass(frozen=True)
class Retention:
    """One kind of row ``admin purge --older-than AGE`` deletes."""

    kind: str
    """The name its count is reported under (the table's, in the plural)."""
    key: InstrumentedAttribute[Any]
    """The table's primary key: rows are picked and deleted by it."""
    expired: Expired
    """The rows past the cutoff, and only those that may go (a final job, say)."""
    dependents: Sequence[Dependent] = ()
