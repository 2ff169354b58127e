"""`copier update` across two tagged template versions, as a user runs it.

A project generated at ``v0.1.0`` and edited by its owner is updated to ``v0.2.0``, which
renames an answer, moves a file and changes a module (see ``template_versions.py``). Real
releases, built from the commits ``releases.toml`` records: v0.1.0 to now crosses v0.2.0's
move to the feature layout; the last release to now is what an owner runs next.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tooling.env import COPIER, ROOT, UV, clean_env

from .conftest import AFTER_UPDATE_TESTS, check_project, run
from .template_versions import (
    GIT_IDENTITY,
    LAST_RELEASE,
    NEW_SERVER_LINE,
    NOW,
    OLD_SERVER_LINE,
    make_release_repo,
    make_template_repo,
)

PACKAGE = "acme_helper"
SERVER = f"src/{PACKAGE}/server.py"
USER_LINE = "TUNED_FOR_OUR_PLATFORM = True  # our own line"
MIGRATION_NOTE = "\n\n# Ours: this revision ran in production on 2026-12-01.\n"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template_repo(tmp_path_factory.mktemp("template") / "twelve-factor-llm")


def copier(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the copier CLI; return the result whatever its exit status."""
    return subprocess.run(
        [COPIER, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=600
    )


def commit(project: Path, message: str) -> None:
    run(project, "git", "add", "--all")
    run(project, "git", *GIT_IDENTITY, "commit", "--quiet", "-m", message)


def generate(template: Path, dest: Path, *data: str, version: str = "v0.1.0") -> Path:
    """A project at ``version``, with the hooks (git init, first commit), chat only."""
    result = copier(
        dest.parent,
        "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", version,
        "--data", "project_name=Acme Helper",
        "--data", "author_email=dev@corp.example",
        "--data", 'use_cases=["chat"]',
        *data, str(template), str(dest),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dest


def edit_as_a_user(project: Path) -> None:
    """A line added to a module, a new file, a changed default, a deleted optional file."""
    server = project / SERVER
    server.write_text(server.read_text() + "\n\n" + USER_LINE + "\n")
    # In a layer's package: every module belongs to a layer (`lint-imports` checks it).
    (project / f"src/{PACKAGE}/core").mkdir(exist_ok=True)
    (project / f"src/{PACKAGE}/core/extra.py").write_text('"""Our own module."""\n')
    env = project / ".env.example"
    env.write_text(env.read_text().replace("\nLOG_LEVEL=INFO\n", "\nLOG_LEVEL=DEBUG\n"))
    (project / ".dockerignore").unlink()
    commit(project, "our edits")


def leftovers(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/check_update.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def events(output: str, name: str) -> list[dict[str, object]]:
    """The JSON log lines of the event ``name``."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == name]


def schema_at(check: subprocess.CompletedProcess[str]) -> str:
    """The database's revision, from ``admin check``'s database line (ok, or it fails)."""
    found = [e for e in events(check.stdout, "admin.check") if e["component"] == "database"]
    assert len(found) == 1 and found[0]["ok"], check.stdout
    return str(found[0]["detail"]).split("schema at ")[1]


def test_update_keeps_edits_brings_changes_and_runs_migrations(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path / "acme-helper")
    edit_as_a_user(project)
    available = copier(project, "check-update", "--output-format", "json")
    assert json.loads(available.stdout) == {
        "update_available": True,
        "current_version": "0.1.0",
        "latest_version": "0.2.0",
    }

    result = copier(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr
    assert "Updating to template version 0.2.0" in result.stderr

    server = (project / SERVER).read_text()
    assert server.startswith(NEW_SERVER_LINE) and OLD_SERVER_LINE not in server  # theirs
    assert server.endswith(USER_LINE + "\n")  # ours
    assert (project / f"src/{PACKAGE}/core/extra.py").exists()
    assert "\nLOG_LEVEL=DEBUG\n" in (project / ".env.example").read_text()
    assert not (project / ".dockerignore").exists()
    # The migrations ran: the answer kept its value under its new name; the file moved.
    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: v0.2.0" in answers
    assert "maintainer_email: dev@corp.example" in answers and "author_email" not in answers
    assert 'email = "dev@corp.example"' in (project / "pyproject.toml").read_text()
    assert (project / "deploy/Dockerfile").exists() and not (project / "Dockerfile").exists()
    assert "migration: renamed answer author_email to maintainer_email" in result.stdout
    # Nothing half-merged, and the project still passes its own checks.
    assert not list(project.rglob("*.rej"))
    assert leftovers(project).returncode == 0
    commit(project, "update to v0.2.0")
    check_project(project, AFTER_UPDATE_TESTS)


@pytest.mark.parametrize("mode", ["inline", "rej"])
def test_a_conflict_passes_copier_but_fails_check_update(
    template_repo: Path, tmp_path: Path, mode: str
) -> None:
    project = generate(template_repo, tmp_path / "acme-helper")
    server = project / SERVER
    server.write_text(server.read_text().replace(OLD_SERVER_LINE, '"""Our own first line.'))
    commit(project, "we changed the line the template changes too")

    result = copier(project, "update", "--trust", "--defaults", "--conflict", mode)
    assert result.returncode == 0, result.stderr  # copier itself does not fail

    check = leftovers(project)
    assert check.returncode == 1
    assert "copier update left conflicts" in check.stderr
    if mode == "inline":
        assert f"{SERVER}:1: a conflict marker" in check.stderr
    else:
        assert f"{SERVER}.rej: a rejected change" in check.stderr


def test_update_with_new_answers_adds_use_cases_and_providers(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path / "acme-helper")
    edit_as_a_user(project)
    run(project, UV, "run", "--frozen", "acme-helper", "admin", "migrate")  # chat's tables

    result = copier(
        project,
        "update", "--trust", "--defaults",
        "--data", 'use_cases=["chat", "generate"]',
        "--data", 'llm_providers=["openai", "anthropic"]',
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    for path in ("features/generate/routes.py", "jobs/worker.py", "llm/providers/anthropic.py"):
        assert (project / "src" / PACKAGE / path).exists(), path
    pyproject = (project / "pyproject.toml").read_text()
    assert '"taskiq>=' in pyproject and '"anthropic>=' in pyproject
    assert "worker: acme-helper worker" in (project / "Procfile").read_text()
    assert (project / SERVER).read_text().endswith(USER_LINE + "\n")
    assert "\nLOG_LEVEL=DEBUG\n" in (project / ".env.example").read_text()
    assert leftovers(project).returncode == 0
    # The new use case's tables arrive as their own migration branch on the existing database.
    run(project, UV, "sync", "--locked")
    run(project, UV, "run", "--frozen", "acme-helper", "admin", "migrate")
    check = run(project, UV, "run", "--frozen", "acme-helper", "admin", "check")
    # conversations (owners, costs, unfinished replies) and jobs (owners, leases)
    assert "schema at chat_0005+jobs_0003" in check.stdout
    commit(project, "update with generate and anthropic")
    check_project(project, AFTER_UPDATE_TESTS)


def test_update_needs_trust_and_skip_tasks_still_migrates(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generate(template_repo, tmp_path / "acme-helper")

    refused = copier(project, "update", "--defaults", "--skip-tasks")
    assert refused.returncode == 4
    assert "--trust" in refused.stderr
    assert run(project, "git", "status", "--porcelain").stdout == ""  # untouched

    result = copier(
        project, "update", "--trust", "--skip-tasks", "--defaults",
        "--data", 'use_cases=["chat", "analyze"]',
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "maintainer_email: dev@corp.example" in (project / ".copier-answers.yml").read_text()
    assert (project / "deploy/Dockerfile").exists()  # migrations are not tasks: they ran
    # The tasks did not: the lock was not refreshed for the new dependencies.
    assert "taskiq" not in (project / "uv.lock").read_text()
    stale = subprocess.run(
        [UV, "sync", "--locked"], cwd=project, env=clean_env(), capture_output=True, text=True
    )
    assert stale.returncode != 0
    run(project, UV, "lock")  # what the README tells the user to do
    run(project, UV, "sync", "--locked")


def test_update_from_v0_1_0_moves_files_and_keeps_edits(tmp_path: Path) -> None:
    """v0.1.0 as released, to the feature layout (v0.2.0's moves): moved files carry their
    owner's edits."""
    template = make_release_repo(tmp_path / "template" / "twelve-factor-llm", "v0.1.0")
    project = generate(template, tmp_path / "acme-helper")
    # A file whose first and last lines the new release keeps, and whose middle it rewrites:
    # the edits at both ends merge without conflict. (An edit where the release changed the
    # same lines is a conflict, reported as such: test_a_conflict_passes_copier_but_fails_...)
    old = project / f"src/{PACKAGE}/db.py"
    assert old.exists()  # the old layout
    first_line = '"""The database (factor IV):'
    text = old.read_text()
    assert text.startswith(first_line)
    old.write_text(
        text.replace(first_line, '"""The database (ours):', 1) + "\n\n" + USER_LINE + "\n"
    )
    commit(project, "our edits in a file the next release moves")

    result = copier(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr
    moved = project / f"src/{PACKAGE}/core/database.py"
    database = moved.read_text()
    assert database.startswith('"""The database (ours):')  # our first line
    assert database.endswith(USER_LINE + "\n")  # and our last
    assert "async def write_session(" in database  # with the new release's code between
    assert not old.exists() and not (project / f"src/{PACKAGE}/api").exists()
    assert "your edits are now in src/acme_helper/core/database.py\n" in result.stdout
    assert not list(project.rglob("*.rej")) and not (project / ".git/copier-moves").exists()
    assert leftovers(project).returncode == 0
    commit(project, "update to the feature layout")
    check_project(project, AFTER_UPDATE_TESTS)


def test_update_from_the_last_release_keeps_edits_and_migrates_its_database(
    tmp_path: Path,
) -> None:
    """The last recorded release as released, edited and migrated by its owner, to now: the
    edits stay, the renamed migration files replace the old ones, ``admin migrate`` takes the
    database on, and the project passes its checks."""
    version, _ = LAST_RELEASE
    template = make_release_repo(tmp_path / "template" / "twelve-factor-llm", version)
    project = generate(
        template, tmp_path / "acme-helper", "--data", 'use_cases=["chat", "generate"]',
        version=version,
    )  # fmt: skip
    edit_as_a_user(project)
    # A migration script this update renames, with a note of ours at its end.
    moves = (ROOT / "hooks/migrations/moves" / f"{NOW}.txt").read_text().splitlines()
    pairs = [line.replace("{package}", PACKAGE).split() for line in moves if "/migrations/" in line]
    old, new = next((o, n) for o, n in pairs if (project / o).exists())
    (project / old).write_text((project / old).read_text() + MIGRATION_NOTE)
    commit(project, "our note in a migration script")
    run(project, UV, "sync", "--locked")
    run(project, UV, "run", "--frozen", "acme-helper", "admin", "migrate")
    released = schema_at(run(project, UV, "run", "--frozen", "acme-helper", "admin", "check"))

    result = copier(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr
    assert f"Updating to template version {NOW[1:]}" in result.stderr
    server = (project / SERVER).read_text()
    assert server.endswith(USER_LINE + "\n")  # our edits
    assert (project / f"src/{PACKAGE}/core/extra.py").exists()
    assert "\nLOG_LEVEL=DEBUG\n" in (project / ".env.example").read_text()
    assert not (project / ".dockerignore").exists()
    assert not list(project.rglob("*.rej")) and leftovers(project).returncode == 0
    assert not (project / old).exists() and (project / new).read_text().endswith(MIGRATION_NOTE)
    assert f"migration: {old}: your edits are now in {new}\n" in result.stdout
    # Every migration script is the template's as it is now: none of the release's is left
    # beside it under its old name (two scripts of one revision would break every migrate).
    template_scripts = {path.name for path in (template / "template").rglob("migrations/*_*.py")}
    scripts = {path.name for path in project.glob(f"src/{PACKAGE}/**/migrations/*_*.py")}
    assert scripts and scripts <= template_scripts, scripts - template_scripts

    run(project, UV, "sync", "--locked")
    migrate = run(project, UV, "run", "--frozen", "acme-helper", "admin", "migrate")
    heads = schema_at(run(project, UV, "run", "--frozen", "acme-helper", "admin", "check"))
    assert heads == "chat_0005+jobs_0003" != released  # admin check: ok, at the heads
    if not re.fullmatch(r"(chat|jobs)_\d{4}(\+(chat|jobs)_\d{4})*", released):
        # Its ids came before they named their branch (v0.3.0 and earlier): re-stamped.
        assert events(migrate.stdout, "migrations.restamped"), migrate.stdout
    commit(project, f"update to {NOW}")
    check_project(project, AFTER_UPDATE_TESTS)
