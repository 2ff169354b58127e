"""Where things are, and the environment for commands run in a generated project."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
UV = str(find_uv_bin())
COPIER = str(Path(sys.executable).parent / "copier")  # the CLI users run, from our venv


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for commands run in a generated project: none of ours leaks in."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return {**env, **extra}
