"""The migration graph, read from the scripts' own lines without importing Alembic.

Readiness needs the heads at every start, and Alembic's ``ScriptDirectory`` costs a tenth
of a second and 6 MiB to import and scan. Each script in a feature's ``migrations/`` names
its ``revision`` and ``down_revision`` (None, a revision, or a tuple of them for a merge) as
literals, as Alembic writes them: those two lines are all this reads.
``tests/test_migrations.py`` checks that the result is Alembic's own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

FIELDS = ("revision", "down_revision")


def _fields(path: Path) -> dict[str, object]:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        target = value = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id in FIELDS and value is not None:
            values[target.id] = ast.literal_eval(value)
    return values


def graph(folders: Iterable[Path]) -> dict[str, tuple[str, ...]]:
    """Each revision and the revisions it follows."""
    result: dict[str, tuple[str, ...]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            fields = _fields(path)
            revision = fields.get("revision")
            if isinstance(revision, str):  # else not a migration script
                result[revision] = _follows(fields.get("down_revision"))
    return result


def _follows(down: object) -> tuple[str, ...]:
    if isinstance(down, str):
        return (down,)
    if isinstance(down, tuple | list):
        return tuple(str(item) for item in down)
    return ()


def heads(revisions: dict[str, tuple[str, ...]]) -> list[str]:
    """The revisions that no other revision follows, sorted."""
    followed = {down for downs in revisions.values() for down in downs}
    return sorted(set(revisions) - followed)
