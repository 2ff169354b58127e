"""Eval files: ``evals/<use_case>.yaml``, read and checked before any case runs.

A file is a mapping with ``cases``, a list of cases; each case has a unique ``name``, an
``input`` (what the use case takes: its ``evals.py`` says) and ``expect``, the checks::

    cases:
      - name: greets back
        input: {...}
        expect:
          contains: [Hello]        # each string is in the answer (case-sensitive)
          not_contains: [sorry]    # none is
          regex: ["\\d+"]          # each pattern matches somewhere (Python re.search)
          json_schema: {type: object, required: [title]}   # the answer is JSON of that shape
          max_latency_ms: 5000     # the use case answered within that time
          judge: The answer is polite and on topic.   # a rubric for the model as judge

Anything wrong (YAML syntax, an unknown key, a missing field, a pattern or schema that does
not compile) is an ``EvalFileError`` naming the file, the case and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MAX_FILE_BYTES = 1_000_000


class EvalFileError(ValueError):
    """An eval file that cannot be run; the message names the file, the case and the field."""


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    json_schema: dict[str, Any] | None = None
    max_latency_ms: float | None = Field(default=None, gt=0)
    judge: str | None = Field(default=None, min_length=1)

    @field_validator("contains", "not_contains", "regex", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
        return patterns

    @field_validator("json_schema")
    @classmethod
    def _is_a_schema(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise ValueError(f"not a JSON schema ({exc.message})") from None
        return schema


class CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    input: dict[str, Any]
    expect: Expect


class EvalFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Case:
    """A case, checked, with its input as the use case's own model."""

    use_case: str
    name: str
    input: BaseModel
    expect: Expect

    @property
    def key(self) -> str:
        return f"{self.use_case}/{self.name}"


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """``case 'name' (#2): expect.regex.0`` for a pydantic error location."""
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        index = loc[1]
        name = None
        if isinstance(raw, dict) and isinstance(raw.get("cases"), list):
            item = raw["cases"][index] if index < len(raw["cases"]) else None
            name = item.get("name") if isinstance(item, dict) else None
        case = f"case {name!r} (#{index + 1})" if isinstance(name, str) else f"case #{index + 1}"
        field = ".".join(str(part) for part in loc[2:])
        return f"{case}: {field}" if field else case
    return ".".join(str(part) for part in loc) or "the file"


def _problems(exc: ValidationError, raw: Any, prefix: tuple[int | str, ...] = ()) -> str:
    return "; ".join(
        f"{_where((*prefix, *error['loc']), raw)}: {error['msg']}" for error in exc.errors()[:5]
    )


def _read(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EvalFileError(f"{path}: over {MAX_FILE_BYTES} bytes")
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise EvalFileError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise EvalFileError(f"{path}: not valid YAML{line} ({problem})") from None


def load(path: Path, use_case: str, input_model: type[BaseModel]) -> list[Case]:
    """The cases of one eval file, every one checked; EvalFileError otherwise."""
    raw = _read(path)
    try:
        spec = EvalFile.model_validate(raw)
    except ValidationError as exc:
        raise EvalFileError(f"{path}: {_problems(exc, raw)}") from None
    cases: list[Case] = []
    seen: set[str] = set()
    for index, item in enumerate(spec.cases):
        if item.name in seen:
            raise EvalFileError(f"{path}: case {item.name!r} (#{index + 1}): name repeated")
        seen.add(item.name)
        try:
            value = input_model.model_validate(item.input)
        except ValidationError as exc:
            raise EvalFileError(
                f"{path}: {_problems(exc, raw, ('cases', index, 'input'))}"
            ) from None
        cases.append(Case(use_case, item.name, value, item.expect))
    return cases
