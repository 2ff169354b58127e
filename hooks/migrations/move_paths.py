"""Migration hook: move a generated file to where the new template version renders it.

Run by ``_migrations`` at the ``before`` stage with ``--move OLD NEW``: the user's copy, with
their edits, moves to the new path, so the update merges the template's changes into it
instead of leaving a stale file behind. Nothing is overwritten: when OLD is gone (already
moved, or deleted by the user) or NEW already exists, it says so and moves nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def move(project: Path, old: str, new: str) -> str:
    """Move ``old`` to ``new`` under ``project``; return what was done."""
    source, target = project / old, project / new
    if not source.exists():
        return f"{old} is not there: nothing to move"
    if target.exists():
        return f"{new} already exists: {old} left where it is"
    target.parent.mkdir(parents=True, exist_ok=True)
    source.rename(target)
    parent = source.parent
    while parent != project and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    return f"moved {old} to {new}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, default=Path())
    parser.add_argument("--move", nargs=2, action="append", required=True, metavar=("OLD", "NEW"))
    args = parser.parse_args(argv)
    for old, new in args.move:
        for path in (old, new):
            if Path(path).is_absolute() or ".." in Path(path).parts:
                print(f"error: {path!r} must be a path inside the project", file=sys.stderr)
                return 1
        print(f"migration: {move(args.project, old, new)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
