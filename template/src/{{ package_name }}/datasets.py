"""Read an uploaded CSV or JSON dataset, and profile it deterministically."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from typing import Any

TOP_VALUES = 5


class DatasetError(ValueError):
    """The upload is not a dataset we can read; the message says why."""


def parse(body: bytes, content_type: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows from CSV (with a header) or JSON (an array of flat objects)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError("the upload is not UTF-8 text") from exc
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        reader = csv.DictReader(io.StringIO(text))
        columns = [name.strip() for name in reader.fieldnames or []]
        if not columns or any(not name for name in columns):
            raise DatasetError("the CSV needs a header row naming every column")
        if len(set(columns)) != len(columns):
            raise DatasetError("the CSV header repeats a column name")
        rows = []
        for number, row in enumerate(reader, start=2):
            if None in row:
                raise DatasetError(f"CSV line {number} has more fields than the header")
            rows.append(
                {
                    name: (value or "").strip()
                    for name, value in zip(columns, row.values(), strict=True)
                }
            )
    elif kind == "application/json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise DatasetError("JSON datasets are an array of objects")
        columns = list(dict.fromkeys(key for item in data for key in item))
        for item in data:
            for key, value in item.items():
                if isinstance(value, dict | list):
                    raise DatasetError(f"column {key!r} holds nested data: flatten it first")
        rows = [{name: item.get(name) for name in columns} for item in data]
    else:
        raise DatasetError("send the dataset as text/csv or application/json")
    if not rows:
        raise DatasetError("the dataset has no rows")
    return columns, rows


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def profile_column(values: list[Any]) -> dict[str, Any]:
    present = [value for value in values if not _missing(value)]
    numbers = [n for n in map(_number, present) if n is not None]
    result: dict[str, Any] = {
        "count": len(present),
        "missing": len(values) - len(present),
        "distinct": len({json.dumps(value, sort_keys=True) for value in present}),
    }
    if present and len(numbers) == len(present):
        integral = all(n.is_integer() for n in numbers)
        result.update(
            type="integer" if integral else "number",
            min=min(numbers),
            max=max(numbers),
            mean=round(sum(numbers) / len(numbers), 6),
        )
    elif present and all(
        isinstance(v, bool) or str(v).lower() in ("true", "false") for v in present
    ):
        result["type"] = "boolean"
    else:
        result["type"] = "string" if present else "empty"
    counts = Counter(str(value) for value in present)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_VALUES]
    result["top_values"] = [{"value": value, "count": count} for value, count in ranked]
    return result


def profile(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Columns, types, counts, missing values, numeric min/max/mean and top values."""
    return {
        "rows": len(rows),
        "columns": {name: profile_column([row.get(name) for row in rows]) for name in columns},
    }
