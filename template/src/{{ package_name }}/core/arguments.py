"""Command line errors as data: the console script logs them as one JSON line (exit 64).

argparse prints its errors on stderr and exits 2; ``Parser`` raises ``UsageError`` instead,
and ``argument_and_problem`` reads which argument the message is about.
"""

from __future__ import annotations

import argparse
import re
from typing import NoReturn


class UsageError(Exception):
    """The command line is wrong: argparse's message, to be logged as one JSON line."""


class Parser(argparse.ArgumentParser):
    """argparse, but an error is raised to ``main`` instead of printed on stderr (exit 2).
    ``--help`` and ``--version`` still print and exit 0. Subcommands' parsers are of this class."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# argparse's messages: "argument X: problem", or the arguments after a fixed phrase.
_ABOUT_ONE = re.compile(r"argument (?P<argument>\S+): (?P<problem>.*)", re.S)
_ABOUT_SOME = {
    "the following arguments are required: ": "required",
    "unrecognized arguments: ": "not an argument of this command",
    "ambiguous option: ": "ambiguous",
}


def argument_and_problem(message: str) -> tuple[str | None, str]:
    """The argument an argparse error is about (None if it names none), and the problem."""
    found = _ABOUT_ONE.fullmatch(message)
    if found and found["problem"] == "expected one argument":  # --older-than -1d, say
        hint = f"a value that starts with '-' is written {found['argument']}=VALUE"
        return found["argument"], f"expected one argument ({hint})"
    if found:
        return found["argument"], found["problem"]
    for phrase, problem in _ABOUT_SOME.items():
        if message.startswith(phrase):
            return message.removeprefix(phrase), problem
    return None, message
