"""The use cases that can be evaluated: each feature that offers ``evals`` (its ``Feature``)."""

from __future__ import annotations

from ..composition import discover as discover_features
from ..core.evaluation import UseCase
from ..llm.services import Services


def discover() -> dict[str, UseCase[Services]]:
    """Every feature's eval runner, by use case name."""
    found: dict[str, UseCase[Services]] = {}
    for feature in discover_features():
        if feature.evals is not None:
            found[feature.evals.name] = feature.evals
    return found
