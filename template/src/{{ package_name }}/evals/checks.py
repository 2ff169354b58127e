"""Grade one case's outcome against its ``expect``: one result per check, in file order."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from ..core.evaluation import Outcome
from .cases import Expect


@dataclass(frozen=True)
class CheckResult:
    check: str
    expected: Any
    passed: bool
    detail: str = ""
    skipped: bool = False


def _json_of(outcome: Outcome) -> tuple[Any, str | None]:
    if outcome.data is not None:
        return outcome.data, None
    try:
        return json.loads(outcome.text), None
    except ValueError as exc:
        return None, f"the answer is not JSON ({exc})"


def _schema(schema: dict[str, Any], outcome: Outcome) -> CheckResult:
    data, problem = _json_of(outcome)
    if problem is None:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(schema).iter_errors(data)
        )
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "the answer"
            problem = f"{where}: {error.message}"[:300]
    return CheckResult("json_schema", schema, problem is None, problem or "")


def grade(expect: Expect, outcome: Outcome, latency_ms: float) -> list[CheckResult]:
    """The checks but the judge (``judge.py`` asks the model)."""
    text = outcome.text
    results = [
        CheckResult("contains", s, s in text, "" if s in text else "not in the answer")
        for s in expect.contains
    ]
    results += [
        CheckResult("not_contains", s, s not in text, "in the answer" if s in text else "")
        for s in expect.not_contains
    ]
    for pattern in expect.regex:
        found = re.search(pattern, text) is not None
        results.append(CheckResult("regex", pattern, found, "" if found else "no match"))
    if expect.json_schema is not None:
        results.append(_schema(expect.json_schema, outcome))
    if expect.max_latency_ms is not None:
        fast = latency_ms <= expect.max_latency_ms
        detail = "" if fast else f"took {latency_ms:.0f} ms"
        results.append(CheckResult("max_latency_ms", expect.max_latency_ms, fast, detail))
    return results
