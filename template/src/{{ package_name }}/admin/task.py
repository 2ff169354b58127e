"""What an admin task is: a one-line description, its arguments, and the function to run."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from ..core.settings import Settings


class AdminError(Exception):
    """A failure the task can name: logged as one ``admin.task_failed`` line, exit status 1."""


def no_arguments(parser: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True)
class AdminTask:
    description: str
    """One line, shown by ``admin --help`` and ``admin tasks``."""
    run: Callable[[Settings, argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] = no_arguments
