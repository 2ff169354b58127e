from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tooling.env import ROOT

from ..load import load_hook

git_init = load_hook("tasks/git_init")
SCRIPT = ROOT / "hooks" / "tasks" / "post_generation.py"

PYPROJECT = """[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p"
    path.mkdir()
    (path / "pyproject.toml").write_text(PYPROJECT)
    (path / ".env.example").write_text("PORT=8000\n")
    (path / ".gitignore").write_text(".env\n")
    return path


def _run(project: Path, operation: str) -> subprocess.CompletedProcess[str]:
    args = ["--operation", operation, "--author-name", "A", "--author-email", "a@example.com"]
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


def test_copy_writes_env_and_lock_then_commits_them(project: Path) -> None:
    result = _run(project, "copy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("wrote .env")
    assert (project / ".env").read_text() == "PORT=8000\n"
    # The lock is written before the commit, which holds it (and not the git-ignored .env).
    assert _git(project, "log", "--format=%s").strip() == git_init.MESSAGE
    assert _git(project, "ls-files").split() == [
        ".env.example",
        ".gitignore",
        "pyproject.toml",
        "uv.lock",
    ]
    assert _git(project, "status", "--porcelain") == ""


def test_update_writes_env_and_lock_and_commits_nothing(project: Path) -> None:
    result = _run(project, "update")
    assert result.returncode == 0, result.stderr
    assert (project / ".env").exists()
    assert (project / "uv.lock").exists()
    assert not (project / ".git").exists()
