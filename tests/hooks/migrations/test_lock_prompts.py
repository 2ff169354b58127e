from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tooling.env import ROOT

from ..load import load_hook

lock_prompts = load_hook("migrations/lock_prompts")
Entry = lock_prompts.Entry

TEMPLATE = ROOT / "template"
FEATURE_NAME = re.compile(r"%\}(\w+)\{%")  # "{% if 'chat' in use_cases %}chat{% endif %}"
CHAT = "---\nname: chat\nversion: {version}\n---\nYou are the assistant.\n{extra}"


def template_lock() -> str:
    """The template's prompts.lock with every use case's entries (its Jinja lines dropped)."""
    lines = (TEMPLATE / "prompts.lock.jinja").read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not line.lstrip().startswith("{%"))


def rendered_name(folder: str) -> str:
    """A template folder's name in a project with every use case."""
    match = FEATURE_NAME.search(folder)
    return match.group(1) if match else folder


def write_chat(project: Path, version: str, extra: str = "") -> None:
    prompt = project / "src/acme/features/chat/prompts/chat.md"
    prompt.parent.mkdir(parents=True, exist_ok=True)
    (prompt.parent.parent / "__init__.py").touch()
    prompt.write_text(CHAT.format(version=version, extra=extra))


def chat_entry(version: str, extra: str = "") -> object:
    return lock_prompts.fingerprint(CHAT.format(version=version, extra=extra), "chat/chat")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "--quiet", str(project)], check=True)
    return project


def test_fingerprints_and_lock_text_are_the_generated_projects_own(tmp_path: Path) -> None:
    """Each prompt the template ships has, by this hook, the fingerprint its lock records;
    and the lock the hook writes is the text the template renders (``admin prompts --lock``
    wrote it): a drift from the generated code fails here."""
    text = template_lock()
    path = tmp_path / "prompts.lock"
    path.write_text(text)
    recorded = lock_prompts.read_lock(path)
    assert recorded is not None and len(recorded) >= 4
    found = {}
    for prompt in sorted((TEMPLATE / "src").glob("*/features/*/prompts/*.md")):
        name = f"{rendered_name(prompt.parent.parent.name)}/{prompt.name.removesuffix('.md')}"
        found[name] = lock_prompts.fingerprint(prompt.read_text(), name)
    assert found == recorded
    assert lock_prompts.render(found) == text


def test_relock_takes_each_prompt_at_its_own_version() -> None:
    reference = {
        "chat/chat": chat_entry("1"),
        "generate/gone": Entry("1", "0" * 64),  # no longer a prompt: dropped
        "analyze/analyze": Entry("2", "a" * 64),
    }
    found = {
        "chat/chat": chat_entry("2", "Ours.\n"),  # edited, with a new version
        "analyze/analyze": Entry("2", "a" * 64),  # untouched
        "generate/new": Entry("1", "b" * 64),  # new: locked as it is
    }
    entries, problems = lock_prompts.relock(found, reference)
    assert entries == found and problems == []


def test_relock_keeps_an_unversioned_change_reported() -> None:
    reference = {"chat/chat": chat_entry("1")}
    found = {"chat/chat": chat_entry("1", "Ours.\n")}
    entries, problems = lock_prompts.relock(found, reference)
    assert entries == reference  # so the project's check still fails for it
    assert problems == [
        "prompt 'chat/chat' changed but its version is still '1': give it a new version in"
        " its front matter, then run `admin prompts --lock`"
    ]


def test_fingerprint_ignores_the_version_and_refuses_what_is_not_a_prompt() -> None:
    assert chat_entry("1").sha256 == chat_entry("7").sha256
    assert chat_entry("1").sha256 != chat_entry("1", "More.\n").sha256
    with pytest.raises(ValueError, match="no front matter"):
        lock_prompts.fingerprint("Just text.\n", "chat/chat")
    with pytest.raises(ValueError, match="declares no version"):
        lock_prompts.fingerprint("---\nname: chat\n---\nText.\n", "chat/chat")


def test_an_update_from_a_project_without_a_lock(project: Path, capsys) -> None:
    """The update brings the template's lock; the user's prompt, at version 2, is locked."""
    write_chat(project, "2", "Ours.\n")
    assert lock_prompts.main(["before", "--project", str(project)]) == 0
    template = {"chat/chat": chat_entry("1")}
    (project / "prompts.lock").write_text(lock_prompts.render(template))  # the update's
    (project / "prompts.lock.rej").write_text("a rejected hunk")
    assert lock_prompts.main(["after", "--project", str(project), "--package", "acme"]) == 0
    written = lock_prompts.read_lock(project / "prompts.lock")
    assert written == {"chat/chat": chat_entry("2", "Ours.\n")}
    assert not (project / "prompts.lock.rej").exists()
    assert (
        "migration: prompts.lock written from the project's 1 prompt(s)" in capsys.readouterr().out
    )


def test_an_unversioned_edit_is_said_and_stays_reported(project: Path, capsys) -> None:
    write_chat(project, "1", "Ours.\n")
    lock_prompts.main(["before", "--project", str(project)])
    template = {"chat/chat": chat_entry("1")}
    (project / "prompts.lock").write_text(lock_prompts.render(template))
    assert lock_prompts.main(["after", "--project", str(project), "--package", "acme"]) == 0
    assert lock_prompts.read_lock(project / "prompts.lock") == template
    out = capsys.readouterr().out
    assert "migration: prompt 'chat/chat' changed but its version is still '1'" in out


def test_the_projects_own_lock_is_the_reference_when_it_had_one(project: Path) -> None:
    """Locked by the user at version 2; the update's merge of the lock is not trusted."""
    write_chat(project, "2", "Ours.\n")
    (project / "prompts.lock").write_text(
        lock_prompts.render({"chat/chat": chat_entry("2", "Ours.\n")})
    )
    lock_prompts.main(["before", "--project", str(project)])
    kept = project / ".git" / lock_prompts.KEPT
    assert kept.is_file()
    (project / "prompts.lock").write_text("<<<<<<< before updating\n")  # a conflict
    write_chat(project, "2", "Ours.\nAnd the template's line.\n")  # merged, same version
    lock_prompts.main(["after", "--project", str(project), "--package", "acme"])
    # Against the user's own lock, this is a change without a new version: kept reported.
    assert lock_prompts.read_lock(project / "prompts.lock") == {
        "chat/chat": chat_entry("2", "Ours.\n")
    }
    assert not kept.exists()


def test_a_prompt_that_is_not_one_leaves_the_lock_alone(project: Path, capsys) -> None:
    write_chat(project, "1")
    (project / "src/acme/features/chat/prompts/broken.md").write_text("no front matter\n")
    lock_prompts.main(["before", "--project", str(project)])
    (project / "prompts.lock").write_text("as the update brought it\n")
    assert lock_prompts.main(["after", "--project", str(project), "--package", "acme"]) == 0
    assert (project / "prompts.lock").read_text() == "as the update brought it\n"
    out = capsys.readouterr().out
    assert "prompts.lock left as the update brought it: prompt 'chat/broken' has no front" in out


def test_outside_git_and_without_a_package(tmp_path: Path, capsys) -> None:
    assert lock_prompts.main(["before", "--project", str(tmp_path)]) == 0
    assert "not a git repository" in capsys.readouterr().out
    assert lock_prompts.main(["after", "--project", str(tmp_path)]) == 1
    assert "after needs --package" in capsys.readouterr().err
    # A project with no prompts and no lock: nothing written.
    assert lock_prompts.main(["after", "--project", str(tmp_path), "--package", "acme"]) == 0
    assert not (tmp_path / "prompts.lock").exists()
