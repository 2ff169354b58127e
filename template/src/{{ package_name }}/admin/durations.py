"""Ages on the command line: ``30d``, ``12h``, ``90m``, ``2w``, ``45s``.

``age`` is an argument's ``type``: a bad age is an argument error, named with its option
(exit status 64, one ``admin.invalid_arguments`` line) before any setting is read.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import NamedTuple

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
AGE = re.compile(r"([0-9]+)([smhdw])")
LONGEST = timedelta(days=100_000)


class Age(NamedTuple):
    text: str
    """As written: ``30d``."""
    delta: timedelta


def parse_age(value: str) -> timedelta:
    """The age ``value`` (a whole number and a unit); ArgumentTypeError says why not."""
    match = AGE.fullmatch(value.strip())
    if match is None or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an age: write a positive whole number and a unit,"
            " s, m, h, d or w (for example 30d, 12h or 2w)"
        )
    try:
        age = timedelta(**{UNITS[match[2]]: int(match[1])})
    except OverflowError:
        age = LONGEST + LONGEST
    if age > LONGEST:
        raise argparse.ArgumentTypeError(f"{value!r} is too long an age: at most 100000d")
    return age


def age(value: str) -> Age:
    """The ``type`` of an age argument."""
    return Age(value, parse_age(value))
