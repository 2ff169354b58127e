"""Shared fixtures for the template's tests (pytest-copier renders the template)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tooling.env import ROOT, UV, clean_env

DEFAULT_ANSWERS = {"project_name": "Acme Helper"}
# What a user's `copier copy` uses: copier.yml, the data it `!include`s, the hooks its tasks
# and migrations run, the project; not the virtualenv or caches.
TEMPLATE_PATHS = ["copier.yml", "includes", "hooks", "template"]


@pytest.fixture(scope="session")
def copier_template_paths() -> list[str]:
    return TEMPLATE_PATHS


def template_config() -> dict[str, Any]:
    """copier.yml as Copier reads it, its `!include`s resolved (yaml.safe_load refuses them)."""
    from copier._template import load_template_config  # Copier's own loader, not a copy of it

    return load_template_config(ROOT / "copier.yml")


@pytest.fixture
def copier_defaults() -> dict[str, Any]:
    return dict(DEFAULT_ANSWERS)


def run(
    project: Path, *cmd: str, timeout: float = 1500, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command in the project; fail the test with its output if it fails."""
    result = subprocess.run(
        cmd,
        cwd=project,
        env=clean_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd)}` exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


# After `copier update`, the project's option set is one the variants already test in full:
# the update tests run these, which fail when the update broke what it carries (imports,
# migrations, the app, the admin tasks), and leave the rest to the variants' full runs.
AFTER_UPDATE_TESTS = ("tests/test_migrations.py", "tests/test_api.py", "tests/test_admin.py")


def check_project(project: Path, tests: tuple[str, ...] = (), browser: bool = False) -> None:
    """What a user's CI does: install from the lock, lint, type-check, test (``tests``: some).

    The page's browser tests run in one variant only (``browser``), where Chromium must be
    there (``REQUIRE_BROWSER=1``: they fail without it); the others leave them out.
    """
    run(project, UV, "sync", "--locked")
    run(project, UV, "run", "--frozen", "ruff", "check", ".")
    run(project, UV, "run", "--frozen", "ruff", "format", "--check", ".")
    run(project, UV, "run", "--frozen", "mypy")
    run(project, UV, "run", "--frozen", "lint-imports")  # the layers point one way
    # In two processes, as the project's own `make test` and CI run it (browser tests in one).
    parallel = ("-n", "2", "--dist", "loadgroup")
    pytest = ("pytest", "-q", "-rs", "-p", "no:cacheprovider", *parallel, *tests)
    if not browser:
        pytest += ("-m", "not browser")
    env = {"REQUIRE_BROWSER": "1"} if browser else {}
    result = run(project, UV, "run", "--frozen", *pytest, env=env)
    # The Postgres (and Redis) tests must run here, not skip: CI provides the servers.
    summary = result.stdout.strip().splitlines()[-1]  # "N passed in ..."; logs may say "skipped"
    assert "skipped" not in summary, result.stdout[-3000:]


SERVICE_SLUG = "acme-helper"


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory, copier_template: Path) -> Path:
    """The default project, rendered with its hooks and synced, shared by the process tests."""
    from copier import run_copy

    path = tmp_path_factory.mktemp("service") / SERVICE_SLUG
    run_copy(
        str(copier_template), path, data=DEFAULT_ANSWERS, defaults=True, unsafe=True, quiet=True
    )
    run(path, UV, "sync", "--locked")
    return path
