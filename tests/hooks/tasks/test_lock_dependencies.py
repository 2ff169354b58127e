from __future__ import annotations

from pathlib import Path

import pytest

from tooling.env import UV

from ..load import load_hook

lock = load_hook("tasks/lock_dependencies")

PYPROJECT = """[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [{dependencies}]
"""


def _project(path: Path, *dependencies: str) -> Path:
    path.mkdir()
    (path / "pyproject.toml").write_text(
        PYPROJECT.format(dependencies=", ".join(f'"{name}"' for name in dependencies))
    )
    return path


def test_writes_uv_lock(tmp_path: Path, capsys) -> None:
    project = _project(tmp_path / "p")
    assert lock.main(project, uv=UV) == 0
    assert (project / "uv.lock").exists()
    assert "wrote uv.lock" in capsys.readouterr().out


def test_asks_the_index_only_for_what_the_cache_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "cache"))  # empty: the index is asked
    first = _project(tmp_path / "first", "iniconfig")
    assert lock.main(first, uv=UV) == 0
    assert capsys.readouterr().out == "wrote uv.lock\n"
    assert 'name = "iniconfig"' in (first / "uv.lock").read_text()

    # Same dependency, now in the cache: locked with no network (a dead proxy proves it).
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    second = _project(tmp_path / "second", "iniconfig")
    assert lock.main(second, uv=UV) == 0
    assert capsys.readouterr().out.startswith("wrote uv.lock from uv's cache")
    assert 'name = "iniconfig"' in (second / "uv.lock").read_text()


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
