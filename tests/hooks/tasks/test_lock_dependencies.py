from __future__ import annotations

from pathlib import Path

from tooling.env import UV

from ..load import load_hook

lock = load_hook("tasks/lock_dependencies")

PYPROJECT = """[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []
"""


def test_writes_uv_lock(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert lock.main(tmp_path, uv=UV) == 0
    assert (tmp_path / "uv.lock").exists()
    assert "wrote uv.lock" in capsys.readouterr().out


def test_failure_is_a_notice_not_an_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text("this is not toml [")
    assert lock.main(tmp_path, uv=UV) == 0
    out = capsys.readouterr().out
    assert out.startswith("notice: `uv lock` failed")
    assert len(out.strip().splitlines()) == 1


def test_without_uv_prints_one_line_notice(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(lock, "find_uv", lambda: None)
    assert lock.main(tmp_path) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["notice: uv not found; run `uv lock` (or `uv sync`) to write uv.lock"]


def test_finds_uv(monkeypatch) -> None:
    assert lock.find_uv() is not None
    monkeypatch.setenv("PATH", "")
    assert lock.find_uv() is not None  # from the uv Python package beside copier
