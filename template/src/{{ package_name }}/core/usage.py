"""What a feature tells ``admin usage``: where it stored the tokens its LLM calls used.

A feature declares a query per place it stores usage (``features/__init__.py``), built with
``usage_rows``: one row per stored call or batch of calls, with when it happened, whose API
key asked, which model answered, the tokens in and out, how many requests that was, what
they cost and in which currency, and how many of the calls had no price (``unpriced``).
``admin usage`` adds them up by day, owner and model, in SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute

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
