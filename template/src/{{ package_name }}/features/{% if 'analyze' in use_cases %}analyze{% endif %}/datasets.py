"""Read an uploaded CSV or JSON dataset, and profile it deterministically.

What an upload may be is what ``CSV_SCHEMA`` and ``JSON_SCHEMA`` say (the OpenAPI document
shows them), and every upload they allow is read, within the limits of the settings:

- CSV: UTF-8 text (a leading BOM is dropped) whose first line that is not blank is the
  header; a header alone is a dataset with no rows. Lines end with LF, CRLF or CR; blank
  lines are skipped; names and values are stripped of surrounding spaces. A header cell with
  no name becomes ``column_<position>``, a repeated name ``<name>_2`` (``_3``, ...); a line
  with more fields than the header adds columns ``column_<position>``, and a line with
  fewer has empty values for the rest, as a spreadsheet shows them. Each renaming or added
  column is reported in ``warnings``.
- JSON: an array of flat objects (values are strings, numbers, booleans or null). The
  columns are the keys in the order first seen; a key missing from an object is null there.
  At least one object has a key: a dataset has at least one column.

Refused with a 422 naming the reason: a NUL character (no database can store it), text that
is not UTF-8, a CSV without a header, a JSON dataset without a column, and more than
``DATASET_MAX_ROWS`` or ``DATASET_MAX_COLUMNS`` (a body over ``DATASET_MAX_BYTES`` is a 413).
The JSON of a dataset is read as strictly as any JSON body (``json_codec``): a syntax error,
NaN, a lone surrogate, an escaped NUL or a number of more than 40 characters is a 400.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ...core import json_codec
from ...core.fields import NO_NUL

TOP_VALUES = 5


class DatasetError(ValueError):
    """The upload is not a dataset we can read; the message says why."""


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int


@dataclass
class Upload:
    """A dataset as read: its columns, its rows, and what was renamed or added on the way."""

    columns: list[str]
    rows: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


# Content-Type -> format.
FORMATS = {"text/csv": "csv", "application/csv": "csv", "application/json": "json"}

# A line with something other than line breaks, after a BOM (the header); no NUL anywhere.
CSV_PATTERN = r"^(?:\ufeff[\r\n]*[^\x00\r\n]|[\r\n]+[^\x00\r\n]|[^\x00\r\n\ufeff])[^\x00]*$"
# No "type": a body of text is a string anyway, and a tool that sends JSON values as text
# (``{}`` is a CSV with one column, named "{}") must not count them as invalid.
CSV_SCHEMA: dict[str, Any] = {
    "pattern": CSV_PATTERN,
    "description": "CSV with a header line (RFC 4180 quoting), UTF-8",
    "example": "city,temp\nOslo,4\nRome,18\n",
}
JSON_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "propertyNames": {"pattern": NO_NUL},
        "additionalProperties": {
            "anyOf": [
                {"type": "string", "pattern": NO_NUL},
                {"type": ["number", "boolean", "null"]},
            ]
        },
    },
    "contains": {"minProperties": 1},
    "description": "Rows as flat objects; at least one has a key",
    "example": [{"city": "Oslo", "temp": 4}, {"city": "Rome", "temp": 18}],
}


def parse(body: bytes, kind: str, limits: Limits) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows from CSV (with a header) or JSON (an array of flat objects)."""
    upload = read(body, kind, limits)
    return upload.columns, upload.rows


def read(body: bytes, kind: str, limits: Limits) -> Upload:
    """The dataset in an upload, or DatasetError (InvalidJSON) saying what is wrong."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"the upload is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise DatasetError("the upload contains a NUL character")
    return _csv(text, limits) if kind == "csv" else _json(text, limits)


def _check_size(columns: int, rows: int, limits: Limits) -> None:
    if columns > limits.columns:
        limit = f"DATASET_MAX_COLUMNS ({limits.columns})"
        raise DatasetError(f"the dataset has more columns than {limit}")
    if rows > limits.rows:
        raise DatasetError(f"the dataset has more rows than DATASET_MAX_ROWS ({limits.rows})")


def _new_name(wanted: str, taken: list[str]) -> str:
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted}_{number}", number + 1
    return name


def _header(cells: list[str], warnings: list[str]) -> list[str]:
    columns: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = _new_name(cell or f"column_{position}", columns)
        if not cell:
            warnings.append(f"header cell {position} has no name: the column is {name!r}")
        elif name != cell:
            warnings.append(f"the header repeats {cell!r}: column {position} is {name!r}")
        columns.append(name)
    return columns


def _csv(text: str, limits: Limits) -> Upload:
    reader = csv.reader(io.StringIO(text, newline=""))
    warnings: list[str] = []
    rows: list[dict[str, Any]] = []
    try:
        header = next((record for record in reader if record), None)
        if header is None:
            raise DatasetError(
                "the CSV has no header: its first line that is not blank names the columns"
            )
        columns = _header([cell.strip() for cell in header], warnings)
        _check_size(len(columns), 0, limits)
        for record in reader:
            if not record:
                continue
            if len(record) > len(columns):
                added = [
                    _new_name(f"column_{position}", columns)
                    for position in range(len(columns) + 1, len(record) + 1)
                ]
                columns.extend(added)
                _check_size(len(columns), len(rows), limits)
                warnings.append(
                    f"CSV line {reader.line_num} has {len(record)} fields, more than the "
                    f"columns before it: added {', '.join(map(repr, added))}"
                )
            rows.append(dict(zip(columns, (value.strip() for value in record), strict=False)))
            _check_size(len(columns), len(rows), limits)
    except csv.Error as exc:
        raise DatasetError(f"CSV line {reader.line_num}: {exc}") from None
    for row in rows:  # a short line, or one before columns were added: the rest are empty
        for name in columns[len(row) :]:
            row[name] = ""
    return Upload(columns, rows, warnings)


def _json(text: str, limits: Limits) -> Upload:
    """An array of flat objects, read one object at a time: parsing stops at the row limit."""
    items: list[dict[str, Any]] = []
    position = json_codec.skip_space(text, 0)
    if text[position : position + 1] != "[":
        json_codec.decode(text, position)  # InvalidJSON (400) if it is not JSON at all
        raise DatasetError("JSON datasets are an array of objects")
    position = json_codec.skip_space(text, position + 1)
    if text[position : position + 1] == "]":
        position += 1
    else:
        while True:
            item, position = json_codec.decode(text, position)  # InvalidJSON is a 400
            if not isinstance(item, dict):
                raise DatasetError("JSON datasets are an array of objects")
            for key, value in item.items():
                if isinstance(value, dict | list):
                    raise DatasetError(f"column {key!r} holds nested data: flatten it first")
            items.append(item)
            _check_size(0, len(items), limits)
            position = json_codec.skip_space(text, position)
            if text[position : position + 1] == "]":
                position += 1
                break
            if text[position : position + 1] != ",":
                raise json_codec.InvalidJSON(
                    f"invalid JSON: expected ',' or ']' at character {position}"
                )
            position += 1
    if text[position:].strip():
        raise json_codec.InvalidJSON(f"invalid JSON: extra data at character {position}")
    columns = list(dict.fromkeys(key for item in items for key in item))
    if not columns:
        raise DatasetError("the dataset has no columns: no object has a key")
    _check_size(len(columns), len(items), limits)
    return Upload(columns, [{name: item.get(name) for name in columns} for item in items])


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
