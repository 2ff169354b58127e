"""Fail loudly when a ``copier update`` left conflicts behind.

``copier update`` exits 0 even when it could not merge: it leaves ``<<<<<<<`` markers in
files, or ``.rej`` files beside them. This script finds both, names each place, and exits 1,
so CI stops before a half-merged project ships. Run it after every update:
``python scripts/check_update.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SKIPPED_DIRS = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
MARKER = "<<<<<<< "  # the start of a conflict that git's merge left in a file


def leftovers(root: Path) -> list[str]:
    """Every ``.rej`` file and conflict marker line under ``root``."""
    found: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(directory, name)
            relative = path.relative_to(root)
            if name.endswith(".rej"):
                found.append(f"{relative}: a rejected change; apply it by hand, then delete it")
                continue
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (UnicodeDecodeError, OSError):
                continue  # binary or unreadable: no text markers in it
            for number, line in enumerate(lines, start=1):
                if line.startswith(MARKER):
                    found.append(f"{relative}:{number}: a conflict marker; resolve the merge")
    return found


def main(root: Path) -> int:
    found = leftovers(root)
    if not found:
        print("check-update: no conflict left by copier update")
        return 0
    print("check-update: copier update left conflicts:", file=sys.stderr)
    for place in found:
        print(f"  {place}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path()))
