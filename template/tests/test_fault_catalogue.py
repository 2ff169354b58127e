"""The fault catalogue (docs/fault-catalogue.md) names only tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "fault-catalogue.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_test_the_catalogue_names_exists() -> None:
    references = REFERENCE.findall(CATALOGUE.read_text())
    assert len(references) > 20
    missing = []
    for path, name in set(references):
        source = ROOT / path
        tests = (
            {
                node.name
                for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.FunctionDef)
            }
            if source.exists()
            else set()
        )
        if name not in tests:
            missing.append(f"{path}::{name}")
    assert not missing, f"the catalogue names tests that do not exist: {missing}"
