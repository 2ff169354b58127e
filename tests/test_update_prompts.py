"""`copier update` and the prompts lock: the update writes it from the project's own prompts.

``prompts.lock`` records the version and fingerprint of the project's prompts, so that the
project's ``admin prompts`` check fails when one changed without a new version. An update
brings the template's prompts.lock; the ``_migrations`` step ``hooks/migrations/
lock_prompts.py`` rewrites it from the project's own prompt files, keeping the user's
versions, and keeps (and says) the failure only where the user edited a prompt without
giving it a new version.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from tooling.env import UV, clean_env

from .conftest import check_project, run
from .template_versions import make_release_repo
from .test_update import PACKAGE, commit, copier, generate, leftovers

OLD_PROMPT = f"src/{PACKAGE}/prompts/chat.md"  # the last release's layout
NEW_PROMPT = f"src/{PACKAGE}/features/chat/prompts/chat.md"
OUR_LINE = "Always answer in the customer's language."

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def release_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v0.1.0 as released, and the template as it is now: the update the issue measured."""
    return make_release_repo(tmp_path_factory.mktemp("template") / "twelve-factor-llm", "v0.1.0")


def edit_the_chat_prompt(project: Path, version: str | None) -> None:
    """Add a line to the chat prompt; with ``version``, give it that version, as docs ask."""
    prompt = project / OLD_PROMPT
    text = prompt.read_text()
    assert "\nversion: 1\n" in text
    if version is not None:
        text = text.replace("\nversion: 1\n", f"\nversion: {version}\n")
    prompt.write_text(text.rstrip("\n") + "\n" + OUR_LINE + "\n")
    commit(project, "our chat prompt")


def locked(project: Path) -> dict[str, dict[str, str]]:
    return tomllib.loads((project / "prompts.lock").read_text())


def admin_prompts(project: Path) -> tuple[int, str]:
    """The project's `admin prompts` check: its exit status and what it said."""
    run(project, UV, "sync", "--locked")
    result = subprocess.run(
        [UV, "run", "--frozen", "acme-helper", "admin", "prompts"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_prompt_edited_with_a_new_version_keeps_it_and_passes_its_check(
    release_repo: Path, tmp_path: Path
) -> None:
    project = generate(release_repo, tmp_path / "acme-helper")
    edit_the_chat_prompt(project, version="2")

    result = copier(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr
    prompt = (project / NEW_PROMPT).read_text()
    assert "\nversion: 2\n" in prompt and OUR_LINE in prompt  # our edit, carried
    assert locked(project)["chat/chat"]["version"] == "2"  # the lock records ours
    assert not list(project.rglob("*.rej"))
    assert leftovers(project).returncode == 0
    commit(project, "update to the feature layout")
    code, output = admin_prompts(project)
    assert code == 0, output
    check_project(project, ("tests/test_admin_prompts.py",))  # the project's own test of it


def test_a_prompt_edited_without_a_new_version_is_still_reported(
    release_repo: Path, tmp_path: Path
) -> None:
    project = generate(release_repo, tmp_path / "acme-helper")
    edit_the_chat_prompt(project, version=None)

    result = copier(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr
    assert OUR_LINE in (project / NEW_PROMPT).read_text()
    # The update says so, naming the prompt and what to do.
    assert "prompt 'chat/chat' changed but its version is still '1'" in result.stdout
    commit(project, "update to the feature layout")
    code, output = admin_prompts(project)
    assert code != 0
    assert "prompt 'chat/chat' changed but its version is still '1'" in output
