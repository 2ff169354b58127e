"""The questionnaire: derived names, validators with clear messages, no secret in answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import template_config

BAD_ANSWERS = [
    ({"project_name": "   "}, "project_name must not be empty"),
    ({"project_slug": "Bad Slug"}, "project_slug must be kebab-case"),
    ({"project_slug": "trailing-"}, "project_slug must be kebab-case"),
    ({"project_slug": "9lives"}, "project_slug must be kebab-case"),
    ({"package_name": "acme-helper"}, "package_name must be a valid lowercase Python identifier"),
    ({"package_name": "1st"}, "package_name must be a valid lowercase Python identifier"),
    ({"package_name": "json"}, 'package_name "json" is a Python keyword or a standard-library'),
    ({"package_name": "class"}, 'package_name "class" is a Python keyword'),
    ({"package_name": "openai"}, 'package_name "openai" is a Python keyword'),
    ({"description": ""}, "description must not be empty"),
    ({"description": "two\nlines"}, "description must be a single line"),
    ({"author_name": ""}, "author_name must not be empty"),
    ({"author_email": "not-an-email"}, "author_email must be an email address"),
    ({"python_version": "3.10"}, "python_version"),
    ({"llm_providers": ["gemini"]}, "llm_providers"),
    ({"use_cases": []}, "use_cases must name at least one use case"),
    ({"use_cases": ["chat", "translate"]}, "use_cases"),
    ({"license": "GPL"}, "license"),
    ({"ci": "jenkins"}, "ci"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[str(a) for a, _ in BAD_ANSWERS])
def test_bad_answer_is_rejected_with_its_message(
    copier: Any, tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")) as caught:
        copier.copy(tmp_path / "p", **answers)
    assert caught.value is not None
    assert not (tmp_path / "p" / "pyproject.toml").exists()


def test_names_are_derived_from_the_project_name(copier: Any) -> None:
    context = copier.context(project_name="  Héllo, Wörld Bot 2!  ")
    assert context["project_slug"] == "h-llo-w-rld-bot-2"
    assert context["package_name"] == "h_llo_w_rld_bot_2"


def test_answers_file_holds_only_the_answers_and_no_secret(copier: Any, tmp_path: Path) -> None:
    project = copier.copy(tmp_path / "p").path
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    questions = {
        key
        for key, spec in template_config().items()
        if not key.startswith("_") and spec.get("when") is not False
    }
    assert set(answers) == questions | {"_commit", "_src_path"}
    for key in answers:
        assert not any(word in key for word in ("key", "secret", "token", "password"))
    assert "sk-" not in (project / ".copier-answers.yml").read_text()


def test_message_after_copy_names_the_real_slug(copier: Any, tmp_path: Path, capsys) -> None:
    copier.copy(tmp_path / "p", project_name="Ledger Whisperer")
    output = capsys.readouterr()
    text = output.out + output.err
    assert "uv run ledger-whisperer admin migrate" in text
    assert "uv run ledger-whisperer serve" in text
