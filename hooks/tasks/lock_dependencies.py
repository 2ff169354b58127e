"""Post-generation hook: write or refresh ``uv.lock`` when uv is available.

It asks uv's cache first (``uv lock --offline``: no network, about 0.2 s where asking the
package index takes 2 s), and the index only when the cache lacks something. A lock from the
cache holds the newest releases the cache knows of, within pyproject.toml's bounds;
``uv lock --upgrade`` asks the index for newer ones.

Without uv, or when locking fails (no network, say), it prints a one-line notice and
succeeds: ``uv sync`` writes the lock later. It never fails the generation.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path


def find_uv() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    if importlib.util.find_spec("uv") is not None:
        from uv import find_uv_bin  # uv installed as a Python package beside copier

        return str(find_uv_bin())
    return None


def _lock(uv: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [uv, "lock", "--quiet", *args], cwd=project, capture_output=True, text=True, check=False
    )


def main(project: Path, uv: str | None = None) -> int:
    uv = uv or find_uv()
    if uv is None:
        print("notice: uv not found; run `uv lock` (or `uv sync`) to write uv.lock")
        return 0
    if _lock(uv, project, "--offline").returncode == 0:
        print("wrote uv.lock from uv's cache; `uv lock --upgrade` looks for newer releases")
        return 0
    result = _lock(uv, project)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        print(f"notice: `uv lock` failed ({reason}); run it again later to write uv.lock")
        return 0
    print("wrote uv.lock")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
