"""JSON in and out, strictly: what the database and every client can hold, or a clear 400.

Python's ``json`` accepts what a database cannot store or a client cannot read: NaN and
Infinity, integers of thousands of digits, lone surrogates, NUL characters, and nesting deep
enough to exhaust the stack. ``loads`` refuses each with a message that names it.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40


class InvalidJSON(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, "invalid_json", message)


def _constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not a JSON number: send a finite number or null")


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidJSON(f"a number has more than {MAX_NUMBER_CHARS} digits")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidJSON(f"a number has more than {MAX_NUMBER_CHARS} digits")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InvalidJSON(f"the number {text} is out of range")
    return value


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise InvalidJSON(f"{where} contains a NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start]
        raise InvalidJSON(f"{where} contains a lone surrogate ({character!r})") from None


def check(value: Any) -> None:
    """Depth and strings, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, "a string")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidJSON(f"the JSON is nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key in item:
                    _check_text(key, "a key")
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def loads(body: bytes) -> Any:
    """Parse a request body, or raise ``InvalidJSON`` naming what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"the body is not UTF-8 (byte {exc.start})") from None
    value, end = decode(text, 0)
    if text[end:].strip():
        raise InvalidJSON(f"invalid JSON: extra data at character {end}")
    return value


def decode(text: str, start: int) -> tuple[Any, int]:
    """One JSON value from ``text[start:]`` (after whitespace), checked; and where it ends."""
    try:
        value, end = DECODER.raw_decode(text, skip_space(text, start))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InvalidJSON(f"invalid JSON: {exc.msg} at {where}") from None
    except RecursionError:
        raise InvalidJSON(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    check(value)
    return value, end


def skip_space(text: str, start: int) -> int:
    while start < len(text) and text[start] in " \t\r\n":
        start += 1
    return start


DECODER = json.JSONDecoder(parse_constant=_constant, parse_int=_integer, parse_float=_float)
