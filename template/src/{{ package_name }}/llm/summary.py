"""The ``usage`` a job stores in its result: what its model calls used and cost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .provider import Completion


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
