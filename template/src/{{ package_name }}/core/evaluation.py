"""What a use case returns for one eval case, and how a use case says it can be evaluated.

A feature offers its ``UseCase`` as ``evals`` in its ``Feature`` (``feature.py``); the eval
runner (``evals/``) calls it with each case. Generic in the services it is given (``S``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

S = TypeVar("S")


@dataclass(frozen=True)
class Outcome:
    """What the use case answered, as its caller would see it, and what the answer cost."""

    text: str
    """The answer as text: what ``contains``, ``not_contains`` and ``regex`` look at."""
    data: Any = None
    """The answer as JSON when the use case returns JSON (``json_schema`` checks it); when
    None, ``json_schema`` parses ``text``."""
    model: str | None = None
    prompt_version: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    requests: int = 1
    cost: float | None = None


@dataclass(frozen=True)
class UseCase(Generic[S]):
    """A use case's eval runner: ``features/<use_case>/evals.py`` defines one.

    ``input`` validates a case's ``input`` mapping (forbid extra keys: a typo is an error);
    ``run`` calls the same code as the use case's routes or jobs, with the case's input.
    """

    name: str
    input: type[BaseModel]
    run: Callable[[S, Any], Awaitable[Outcome]]
