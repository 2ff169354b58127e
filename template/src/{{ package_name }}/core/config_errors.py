"""Turn a settings validation error into one readable line per problem."""

from __future__ import annotations

from pydantic import ValidationError


def describe(error: ValidationError) -> list[str]:
    """Name the environment variable behind each problem; never echo its value."""
    lines: list[str] = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["loc"]:
            variable = "_".join(str(part) for part in item["loc"]).upper()
            lines.append(f"{variable}: {message}")
        else:
            lines.extend(message.splitlines())
    return lines
