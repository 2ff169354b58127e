"""The generated `docs/add-a-feature.md`, executed as written on a fresh render.

Each `<!-- file: PATH -->` block is written to PATH, each `<!-- append: PATH -->` block is
added to it, and each `<!-- run -->` block's commands run in order, as a user following the
page would. Then the service serves the new feature over HTTP, and the project's own tests
of what every feature shares (settings documented, evals, budgets, migrations) pass with it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from copier import run_copy

from tooling.processes import Web

from .conftest import DEFAULT_ANSWERS, UV, clean_env, run

SLUG = "acme-helper"
BLOCK = re.compile(r"<!-- (file|append|run)(?:: (\S+))? -->\n```[a-z]*\n(.*?)```\n", re.S)
# The project's tests of what every feature shares, which a new feature must keep passing.
SHARED_TESTS = (
    "tests/test_config.py",
    "tests/test_evals.py",
    "tests/test_budget.py",
    "tests/test_migrations.py",
    "tests/test_admin_prompts.py",
)


def _steps(page: str) -> list[tuple[str, str | None, str]]:
    steps = [(kind, path, body) for kind, path, body in BLOCK.findall(page)]
    assert steps, "the page has no executable blocks"
    return steps


def _follow(project: Path, steps: list[tuple[str, str | None, str]]) -> list[str]:
    """Write and append the page's files, run its commands; the commands run."""
    commands: list[str] = []
    for kind, path, body in steps:
        if kind == "file":
            assert path is not None
            target = project / path
            assert not target.exists(), f"the page would overwrite {path}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
        elif kind == "append":
            assert path is not None and (project / path).is_file(), path
            with (project / path).open("a") as file:
                file.write(body)
        else:
            for line in body.strip().splitlines():
                argv = shlex.split(line)
                argv = [UV, *argv[1:]] if argv[0] == "uv" else argv
                run(project, *argv, timeout=900)
                commands.append(line)
    return commands


@pytest.mark.slow
def test_the_add_a_feature_walk_through_works_as_written(
    copier_template: Path, tmp_path: Path
) -> None:
    project = tmp_path / SLUG
    run_copy(
        str(copier_template), project, data=DEFAULT_ANSWERS, defaults=True, unsafe=True, quiet=True
    )
    run(project, UV, "sync", "--locked")
    page = (project / "docs" / "add-a-feature.md").read_text()
    commands = _follow(project, _steps(page))
    # The page migrates, lints (import contracts included), type-checks and tests.
    assert any("admin migrate" in line for line in commands)
    assert "make lint" in commands
    assert any(line.startswith("uv run pytest tests/features/notes") for line in commands)
    assert (project / "src/acme_helper/features/notes/migrations/notes_0001_notes.py").is_file()

    run(project, UV, "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider", *SHARED_TESTS)

    db = tmp_path / "walk-through.db"
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    run(project, UV, "run", "--frozen", SLUG, "admin", "migrate", env=env)
    release = run(project, UV, "run", "--frozen", SLUG, "admin", "release-info", env=env)
    assert "notes_0001" in release.stdout
    web = Web(project, SLUG, env)
    try:
        status, accepted = web.call("POST", "/v1/notes", {"text": "Water the plants"})
        assert status == 202, accepted
        note: dict[str, Any] = {}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not note.get("summary"):
            status, note = web.call("GET", f"/v1/notes/{accepted['note_id']}")
            assert status == 200, note
            time.sleep(0.1)
        assert note["text"] == "Water the plants" and note["summary"], note
        status, config = web.call("GET", "/page/config.json")
        assert {"name": "notes", "script": "/page/notes/tab.js"} in config["tabs"]
        status, document = web.call("GET", "/openapi.json")
        assert "/v1/notes" in document["paths"]
    finally:
        web.stop()
    # The service's own subprocesses ran in the project: nothing left behind in git's eyes
    # but the feature's files and the records the page asked for.
    changed = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=project,
        capture_output=True,
        text=True,
        env=clean_env(),
    ).stdout
    assert "prompts.lock" in changed and ".env.example" in changed
