"""What a feature tells ``admin usage``: where it stored the tokens its LLM calls used.

A feature declares a query per place it stores usage (``features/__init__.py``), built with
``usage_rows``: one row per stored call or batch of calls, with when it happened, whose API
key asked, which model answered, the tokens in and out, how many requests that was, what
they cost and in which currency, and how many of the calls had no price (``unpriced``).
``admin usage`` adds them up by day, owner and model, in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute

from ..llm.provider import Completion

Column = InstrumentedAttribute[Any] | ColumnElement[Any]
UsageRows = Select[
    datetime, str, str | None, int | None, int | None, int, float | None, str | None, int
]
"""Labelled ``at``, ``owner``, ``model``, ``input_tokens``, ``output_tokens``, ``requests``,
``cost``, ``currency`` and ``unpriced``."""


def usage_rows(
    *,
    at: Column,
    owner: Column,
    model: Column,
    input_tokens: Column,
    output_tokens: Column,
    requests: Column,
    cost: Column,
    currency: Column,
    unpriced: Column,
) -> UsageRows:
    """The columns under the names ``admin usage`` reads: add the FROM and WHERE to it."""
    query: UsageRows = select(
        at.label("at"),
        owner.label("owner"),
        model.label("model"),
        input_tokens.label("input_tokens"),
        output_tokens.label("output_tokens"),
        requests.label("requests"),
        cost.label("cost"),
        currency.label("currency"),
        unpriced.label("unpriced"),
    )
    return query


def summary(completions: Sequence[Completion]) -> dict[str, Any]:
    """The ``usage`` a job stores in its result for its calls: tokens, requests and cost.

    A sum is None when no call reported it; ``unpriced`` counts the calls without a price.
    """
    priced = [c for c in completions if c.cost is not None]
    return {
        "input_tokens": _total(c.usage.input_tokens for c in completions),
        "output_tokens": _total(c.usage.output_tokens for c in completions),
        "requests": len(completions),
        "cost": round(sum(c.cost or 0.0 for c in priced), 10) if priced else None,
        "currency": priced[0].currency if priced else None,
        "unpriced": len(completions) - len(priced),
    }


def _total(counts: Iterable[int | None]) -> int | None:
    known = [count for count in counts if count is not None]
    return sum(known) if known else None
