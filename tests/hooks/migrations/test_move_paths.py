from __future__ import annotations

from pathlib import Path

from ..load import load_hook

move_paths = load_hook("migrations/move_paths")


def test_moves_the_users_copy_with_its_edits(tmp_path: Path, capsys) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python\n# mine\n")
    argv = ["--project", str(tmp_path), "--move", "Dockerfile", "deploy/Dockerfile"]
    assert move_paths.main(argv) == 0
    assert not (tmp_path / "Dockerfile").exists()
    assert (tmp_path / "deploy" / "Dockerfile").read_text() == "FROM python\n# mine\n"
    assert "moved Dockerfile to deploy/Dockerfile" in capsys.readouterr().out


def test_removes_directories_left_empty(tmp_path: Path) -> None:
    (tmp_path / "old" / "deep").mkdir(parents=True)
    (tmp_path / "old" / "deep" / "f.txt").write_text("x")
    assert move_paths.main(["--project", str(tmp_path), "--move", "old/deep/f.txt", "f.txt"]) == 0
    assert not (tmp_path / "old").exists()
    assert (tmp_path / "f.txt").read_text() == "x"


def test_never_overwrites_and_tolerates_a_missing_source(tmp_path: Path, capsys) -> None:
    (tmp_path / "a").write_text("old")
    (tmp_path / "b").write_text("new")
    assert move_paths.main(["--project", str(tmp_path), "--move", "a", "b"]) == 0
    assert (tmp_path / "a").read_text() == "old" and (tmp_path / "b").read_text() == "new"
    assert move_paths.main(["--project", str(tmp_path), "--move", "gone", "c"]) == 0
    out = capsys.readouterr().out
    assert "b already exists" in out and "gone is not there" in out


def test_paths_outside_the_project_are_refused(tmp_path: Path, capsys) -> None:
    assert move_paths.main(["--project", str(tmp_path), "--move", "../x", "y"]) == 1
    assert "must be a path inside the project" in capsys.readouterr().err
