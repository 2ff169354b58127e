"""Ages on the command line: ``30d``, ``12h``, ``90m``, ``2w``, ``45s``."""

from __future__ import annotations

import re
from datetime import timedelta

from .task import AdminError

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
AGE = re.compile(r"([0-9]+)([smhdw])")
LONGEST = timedelta(days=100_000)


def parse_age(option: str, value: str) -> timedelta:
    """The age ``value`` (a whole number and a unit); AdminError names ``option`` if not."""
    match = AGE.fullmatch(value.strip())
    if match is None or int(match[1]) == 0:
        raise AdminError(
            f"{option} {value!r} is not an age: write a positive whole number and a unit,"
            " s, m, h, d or w (for example 30d, 12h or 2w)"
        )
    try:
        age = timedelta(**{UNITS[match[2]]: int(match[1])})
    except OverflowError:
        age = LONGEST + LONGEST
    if age > LONGEST:
        raise AdminError(f"{option} {value!r} is too long an age: at most 100000d")
    return age
