from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..load import load_hook

git_init = load_hook("tasks/git_init")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p"
    path.mkdir()
    (path / "README.md").write_text("hi\n")
    (path / ".gitignore").write_text(".env\n")
    (path / ".env").write_text("SECRET=1\n")
    return path


def test_copy_initialises_and_commits_everything_but_ignored(project: Path) -> None:
    assert git_init.main(project, "copy", "A", "a@example.com") == 0
    assert _git(project, "log", "--format=%s").strip() == git_init.MESSAGE
    assert _git(project, "ls-files").split() == [".gitignore", "README.md"]
    assert _git(project, "status", "--porcelain") == ""


def test_uses_the_answers_identity_when_git_has_none(project: Path, monkeypatch) -> None:
    empty = project.parent / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert git_init.main(project, "copy", "Ann Author", "ann@example.com") == 0
    assert _git(project, "log", "--format=%an <%ae>").strip() == "Ann Author <ann@example.com>"


def test_update_never_commits(project: Path) -> None:
    assert git_init.main(project, "update", "A", "a@example.com") == 0
    assert not (project / ".git").exists()


def test_inside_an_existing_repository_nothing_is_committed(tmp_path: Path, project: Path) -> None:
    _git(tmp_path, "init", "-q")
    assert git_init.main(project, "copy", "A", "a@example.com") == 0
    assert not (project / ".git").exists()
    assert _git(tmp_path, "status", "--porcelain").strip() == "?? p/"


def test_without_git_prints_a_notice(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(git_init.shutil, "which", lambda name: None)
    assert git_init.main(project, "copy", "A", "a@example.com") == 0
    assert "git not found" in capsys.readouterr().out
    assert not (project / ".git").exists()


def test_arguments() -> None:
    args = git_init.parse_args(["--operation", "copy", "--author-name", "A B"])
    assert (args.operation, args.author_name, args.author_email) == ("copy", "A B", "")
