"""The questionnaire on a real pseudo-terminal, answered as a person would (pexpect).

Copier shows each question's help through questionary; these tests read the screen and type.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pexpect
import yaml

from tooling.env import COPIER, ROOT, clean_env

from .conftest import template_config

DOWN, SPACE, CLEAR_LINE = "\x1b[B", " ", "\x15"  # arrow down; toggle; Ctrl-U


def _spawn(dest: Path) -> pexpect.spawn:
    env = {**clean_env(), "TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
    child = pexpect.spawn(
        COPIER,
        ["copy", "--skip-tasks", "--vcs-ref", "HEAD", str(ROOT), str(dest)],
        cwd=str(dest.parent),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    child.logfile_read = open(dest.parent / "screen.log", "w")  # the screen, for post-mortems
    return child


def _answer(child: pexpect.spawn, question: str, *keys: str) -> None:
    """Wait for a question's help, then type: keys are sent as they are, then Enter."""
    child.expect(question)
    for key in keys:
        child.send(key)
    child.send("\r")


def test_a_person_answers_the_questions(tmp_path: Path) -> None:
    child = _spawn(tmp_path / "tea-bot")
    _answer(child, "Project name", CLEAR_LINE, "Tea Bot")
    _answer(child, "Project slug", CLEAR_LINE, "Tea Bot")  # refused: not kebab-case
    child.expect("project_slug must be kebab-case")
    _answer(child, "", CLEAR_LINE, "tea-bot")
    _answer(child, "Python package name")  # the derived tea_bot
    _answer(child, "One-line description")
    _answer(child, "Author or team name")
    _answer(child, "Author or team email")
    _answer(child, "Python version")
    _answer(child, "LLM providers", DOWN, SPACE)  # openai is on; add anthropic
    _answer(child, "What the service does", DOWN, DOWN, SPACE)  # all on; drop analyze
    _answer(child, "License", DOWN)  # Apache-2.0
    _answer(child, "Continuous integration", DOWN)  # None: the workflow question is not asked
    index = child.expect(["weekly GitHub workflow", "is ready in"])
    assert index == 1
    child.expect("uv run tea-bot serve")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    answers = yaml.safe_load((tmp_path / "tea-bot" / ".copier-answers.yml").read_text())
    assert answers["project_slug"] == "tea-bot" and answers["package_name"] == "tea_bot"
    assert answers["llm_providers"] == ["openai", "anthropic"]
    assert answers["use_cases"] == ["chat", "generate"]
    assert (answers["license"], answers["ci"]) == ("Apache-2.0", "none")
    assert "template_update_workflow" not in answers
    assert not (tmp_path / "tea-bot" / ".github").exists()


def test_the_workflow_question_appears_with_github_ci(tmp_path: Path) -> None:
    child = _spawn(tmp_path / "tea-bot")
    for question in (
        "Project name",
        "Project slug",
        "Python package name",
        "One-line description",
        "Author or team name",
        "Author or team email",
        "Python version",
        "LLM providers",
        "What the service does",
        "License",
        "Continuous integration",  # GitHub Actions, the default
    ):
        _answer(child, question)
    _answer(child, "weekly GitHub workflow", "n")
    child.expect("is ready in")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    project = tmp_path / "tea-bot"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "Tea Bot"  # derived from the folder
    assert answers["template_update_workflow"] is False
    assert (project / ".github/workflows/ci.yml").exists()
    assert not (project / ".github/workflows/template-update.yml").exists()


def test_without_a_terminal_copier_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [COPIER, "copy", "--skip-tasks", "--vcs-ref", "HEAD", str(ROOT), str(tmp_path / "p")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
    )
    assert result.returncode == 1
    assert "Use `--defaults` and/or `--data`/`--data-file`" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p").exists()


def test_every_help_is_one_short_line() -> None:
    """Each help fits a terminal line next to its prompt."""
    questions = template_config()
    for name, question in questions.items():
        if name.startswith("_") or question.get("when") is False:
            continue
        text = question["help"]
        assert "\n" not in text and len(text) <= 100, name
        assert text[0].isupper(), name


def _copy_without_terminal(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COPIER, "copy", "--skip-tasks", "--vcs-ref", "HEAD", *args],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
    )


def test_defaults_name_the_project_after_its_folder(tmp_path: Path) -> None:
    result = _copy_without_terminal(tmp_path, "--defaults", str(ROOT), "support-assistant")
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((tmp_path / "support-assistant/.copier-answers.yml").read_text())
    assert answers["project_name"] == "Support Assistant"
    assert answers["project_slug"] == "support-assistant"


def test_a_refused_data_answer_exits_1_naming_the_question(tmp_path: Path) -> None:
    bad = ["--defaults", "--data", "project_slug=Bad Slug", str(ROOT), "p"]
    result = _copy_without_terminal(tmp_path, *bad)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "question 'project_slug': project_slug must be kebab-case" in last
    assert not (tmp_path / "p").exists()
