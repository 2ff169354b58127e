"""The use cases that can be evaluated: each feature with an ``evals.py`` that defines
``use_case``, found by looking, like the features themselves."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from .. import features
from .outcome import UseCase


def discover() -> dict[str, UseCase]:
    """Every feature's eval runner, by use case name."""
    found: dict[str, UseCase] = {}
    for info in sorted(pkgutil.iter_modules(features.__path__), key=lambda info: info.name):
        name = f"{features.__name__}.{info.name}.evals"
        if importlib.util.find_spec(name) is None:
            continue
        use_case = getattr(importlib.import_module(name), "use_case", None)
        if not isinstance(use_case, UseCase):
            raise TypeError(f"{name} defines no 'use_case' (see evals/outcome.py)")
        found[use_case.name] = use_case
    return found
