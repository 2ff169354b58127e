"""scripts/check_update.py: what copier update leaves behind fails loudly, and only that."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_update.py"


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n# ======= not a conflict\n")
    result = _check(tmp_path)
    assert result.returncode == 0
    assert "no conflict" in result.stdout


def test_markers_and_rej_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    marker = "<" * 7
    (tmp_path / "src" / "app.py").write_text(f"a\n{marker} before updating\nb\n=======\nc\n")
    (tmp_path / "Procfile.rej").write_text("@@ -1 +1 @@\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "ignored.py").write_text(f"{marker} x\n")
    result = _check(tmp_path)
    assert result.returncode == 1
    assert "src/app.py:2: a conflict marker" in result.stderr
    assert "Procfile.rej: a rejected change" in result.stderr
    assert ".venv" not in result.stderr
