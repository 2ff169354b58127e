"""The answers this project was generated with, as its Copier answers file records them."""

from __future__ import annotations

from pathlib import Path

import yaml

ANSWERS_FILE = Path(__file__).resolve().parents[2] / ".copier-answers.yml"


def use_cases() -> list[str]:
    """The use cases chosen when the project was generated (or last updated)."""
    answers = yaml.safe_load(ANSWERS_FILE.read_text())
    return [str(name) for name in answers["use_cases"]]
