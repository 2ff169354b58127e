"""Turn a settings validation error into one problem per variable."""

from __future__ import annotations

from pydantic import ValidationError


def describe(error: ValidationError) -> list[tuple[str, str]]:
    """``(VARIABLE, problem)`` for each problem; never the value, which may be a secret."""
    problems: list[tuple[str, str]] = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["loc"]:
            variable = "_".join(str(part) for part in item["loc"]).upper()
            problems.append((variable, message))
        else:  # a rule across settings: each line is "VARIABLE: problem"
            for line in message.splitlines():
                variable, _, problem = line.partition(": ")
                problems.append((variable, problem))
    return problems
