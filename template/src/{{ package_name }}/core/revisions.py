"""The migration graph, read from the scripts' own lines without importing Alembic.

Readiness needs the heads at every start, and Alembic's ``ScriptDirectory`` costs a tenth
of a second and 6 MiB to import and scan. Each script in a feature's ``migrations/`` names
its ``revision`` and ``down_revision`` (None, a revision, or a tuple of them for a merge) as
literals, as Alembic writes them: those two lines are all this reads, and ``renamed_from``.

A revision's id carries its branch, which is its feature's name: ``chat_0001``, ``chat_0002``
... (branch label ``chat``), so that the revisions of a feature of one's own
(``<feature>_0001``) never collide with the template's. Revisions released before that were
numbered across every branch (``0001`` to ``0011``); each of those names its old id in
``renamed_from``, and ``admin migrate`` re-stamps a database that still records it
(``core/migrations/env.py``). ``tests/test_migrations.py`` checks that the graph is Alembic's
own, and the convention.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

FIELDS = ("revision", "down_revision", "renamed_from")


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


def _scripts(folders: Iterable[Path]) -> Iterator[tuple[str, dict[str, object]]]:
    """Each migration script's revision and fields."""
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            fields = _fields(path)
            revision = fields.get("revision")
            if isinstance(revision, str):  # else not a migration script
                yield revision, fields


def graph(folders: Iterable[Path]) -> dict[str, tuple[str, ...]]:
    """Each revision and the revisions it follows."""
    return {
        revision: _follows(fields.get("down_revision")) for revision, fields in _scripts(folders)
    }


def renamed(folders: Iterable[Path]) -> dict[str, str]:
    """The id each renamed revision had (``0004``), and its id now (``chat_0002``)."""
    return {
        str(fields["renamed_from"]): revision
        for revision, fields in _scripts(folders)
        if isinstance(fields.get("renamed_from"), str)
    }


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
