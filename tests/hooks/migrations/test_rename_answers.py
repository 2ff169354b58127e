from __future__ import annotations

from pathlib import Path

import pytest

from ..load import load_hook

rename_answers = load_hook("migrations/rename_answers")

ANSWERS = """\
# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY
_commit: v0.1.0
_src_path: /templates/twelve-factor-llm
author_email: dev@corp.example
llm_providers:
- openai
- anthropic
project_name: Acme Helper
"""


def test_rename_keeps_the_value_comments_and_order(tmp_path: Path, capsys) -> None:
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text(ANSWERS)
    argv = ["--answers-file", str(answers), "--rename", "author_email=maintainer_email"]
    assert rename_answers.main(argv) == 0
    assert answers.read_text() == ANSWERS.replace("author_email:", "maintainer_email:")
    assert "renamed answer author_email to maintainer_email" in capsys.readouterr().out


def test_remove_drops_a_list_answer_whole(tmp_path: Path) -> None:
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text(ANSWERS)
    assert rename_answers.main(["--answers-file", str(answers), "--remove", "llm_providers"]) == 0
    text = answers.read_text()
    assert "llm_providers" not in text and "- openai" not in text
    assert text.endswith("project_name: Acme Helper\n")


def test_running_twice_changes_nothing_more(tmp_path: Path) -> None:
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text(ANSWERS)
    argv = ["--answers-file", str(answers), "--rename", "author_email=maintainer_email"]
    rename_answers.main(argv)
    once = answers.read_text()
    rename_answers.main(argv)
    assert answers.read_text() == once


def test_an_existing_new_name_wins(tmp_path: Path) -> None:
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text(ANSWERS + "maintainer_email: new@corp.example\n")
    argv = ["--answers-file", str(answers), "--rename", "author_email=maintainer_email"]
    assert rename_answers.main(argv) == 0
    text = answers.read_text()
    assert "author_email" not in text and "maintainer_email: new@corp.example" in text


def test_bad_arguments_and_missing_file_are_named(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        rename_answers.main(["--rename", "no-equals-sign"])
    assert exited.value.code == 2
    assert "expected OLD=NEW" in capsys.readouterr().err
    assert rename_answers.main(["--answers-file", str(tmp_path / "none.yml")]) == 1
    assert "none.yml not found" in capsys.readouterr().err
