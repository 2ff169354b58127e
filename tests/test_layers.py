"""The generated service's layers point one way, and `make lint` holds them there.

core <- llm <- jobs <- features <- composition: `lint-imports` (import-linter, in the
project's `make lint` and CI) fails on an import that points up, even one hidden inside a
function, where the old code hid its circles.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import clean_env

UPWARD = '''"""A shortcut no layer may take: core reaching up into a feature."""

from __future__ import annotations


def conversation_limit() -> int:
    from ..features.chat.settings import ChatSettings

    return ChatSettings().conversation_max_messages
'''


def test_an_upward_import_fails_make_lint(project: Path) -> None:
    module = project / "src" / "acme_helper" / "core" / "shortcut.py"
    module.write_text(UPWARD)
    try:
        result = subprocess.run(
            ["make", "lint"],
            cwd=project,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        module.unlink()
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    # ruff and mypy pass this module: it is the import contract that fails, naming the import.
    assert "Layers point one way" in output and "BROKEN" in output, output[-3000:]
    arrow = "acme_helper.core.shortcut -> acme_helper.features.chat.settings"
    assert arrow in output, output[-3000:]
