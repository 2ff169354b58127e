from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..load import load_hook

carry_edits = load_hook("migrations/carry_edits")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "src" / "acme").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(project)], check=True)
    (project / ".copier-answers.yml").write_text("_commit: v0.1.0\npackage_name: acme\n")
    return project


def _moves(tmp_path: Path, text: str) -> Path:
    moves = tmp_path / "moves.txt"
    moves.write_text(text)
    return moves


def test_an_edited_file_is_merged_into_its_new_path(project: Path, tmp_path: Path) -> None:
    """The user's edit and the template's change both land, three-way."""
    base = tmp_path / "base"
    (base / "src" / "acme").mkdir(parents=True)
    (base / "src/acme/db.py").write_text("one\ntwo\nthree\nfour\nfive\n")
    (project / "src/acme/db.py").write_text("one\ntwo\nthree\nfour\nfive\nmine\n")
    moves = carry_edits.read_moves(
        _moves(tmp_path, "# comment\n\nsrc/{package}/db.py src/{package}/core/db.py\n"), "acme"
    )
    assert moves == [("src/acme/db.py", "src/acme/core/db.py")]
    assert carry_edits.keep(project, moves) == ["src/acme/db.py"]
    # The update: copier deletes the old path and renders the new one.
    (project / "src/acme/db.py").unlink()
    (project / "src/acme/core").mkdir()
    (project / "src/acme/core/db.py").write_text("ONE\ntwo\nthree\nfour\nfive\n")
    report = carry_edits.merge(project, base, moves)
    assert (project / "src/acme/core/db.py").read_text() == "ONE\ntwo\nthree\nfour\nfive\nmine\n"
    assert report == ["src/acme/db.py: your edits are now in src/acme/core/db.py"]


def test_an_unedited_file_stays_as_rendered_and_a_clash_is_marked(
    project: Path, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    (base / "src" / "acme").mkdir(parents=True)
    (base / "src/acme/a.py").write_text("same\n")
    (base / "src/acme/b.py").write_text("line\n")
    (project / "src/acme/a.py").write_text("same\n")
    (project / "src/acme/b.py").write_text("ours\n")
    moves = [("src/acme/a.py", "src/acme/x/a.py"), ("src/acme/b.py", "src/acme/x/b.py")]
    carry_edits.keep(project, moves)
    (project / "src/acme/x").mkdir()
    (project / "src/acme/x/a.py").write_text("new\n")
    (project / "src/acme/x/b.py").write_text("theirs\n")
    report = carry_edits.merge(project, base, moves)
    assert (project / "src/acme/x/a.py").read_text() == "new\n"
    merged = (project / "src/acme/x/b.py").read_text()
    assert "<<<<<<<" in merged and "ours" in merged and "theirs" in merged
    assert report == [
        "src/acme/b.py: your edits are now in src/acme/x/b.py with 1 conflict(s) to resolve"
    ]


def test_bad_moves_files_and_missing_arguments_are_named(
    project: Path, tmp_path: Path, capsys
) -> None:
    moves = _moves(tmp_path, "a b\nonly-one\n")
    argv = ["before", "--project", str(project), "--moves", str(moves)]
    assert carry_edits.main(argv) == 1
    assert "moves.txt:2: expected 'OLD NEW'" in capsys.readouterr().err
    outside = _moves(tmp_path, "../a b\n")
    assert carry_edits.main(["before", "--project", str(project), "--moves", str(outside)]) == 1
    good = _moves(tmp_path, "a b\n")
    (project / "a").write_text("x")
    assert carry_edits.main(["before", "--project", str(project), "--moves", str(good)]) == 0
    assert (project / ".git/copier-moves/moves/b").read_text() == "x"
    assert carry_edits.main(["after", "--project", str(project), "--moves", str(good)]) == 1
    assert "after needs --template and --from-version" in capsys.readouterr().err


def test_two_releases_moves_are_kept_apart(project: Path, tmp_path: Path) -> None:
    """An update across two releases that move files runs both before stages, then both
    after stages: the second's before leaves the first's kept copies alone."""
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = tmp_path / "first" / "v0.2.0.txt"
    first.write_text("a b\n")
    second = tmp_path / "second" / "v0.4.0.txt"
    second.write_text("c d\n")
    (project / "a").write_text("ours\n")
    (project / "c").write_text("also ours\n")
    for moves in (first, second):
        assert carry_edits.main(["before", "--project", str(project), "--moves", str(moves)]) == 0
    assert (project / ".git/copier-moves/v0.2.0/b").read_text() == "ours\n"
    assert (project / ".git/copier-moves/v0.4.0/d").read_text() == "also ours\n"
