"""Every choice of every question, rendered and checked like a user's CI would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from copier import run_copy

from .conftest import DEFAULT_ANSWERS, UV, check_project, run

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "py311-anthropic-apache-no-ci-own-names": {
        "project_slug": "helper-svc",
        "package_name": "helper_core",
        "python_version": "3.11",
        "llm_providers": ["anthropic"],
        "license": "Apache-2.0",
        "ci": "none",
    },
    "py313-openai-anthropic-proprietary": {
        "python_version": "3.13",
        "llm_providers": ["openai", "anthropic"],
        "license": "Proprietary",
    },
}

PROVIDER_FILES = {
    "openai": ["src/{package}/llm/providers/openai.py", "tests/test_openai_provider.py"],
    "anthropic": ["src/{package}/llm/providers/anthropic.py", "tests/test_anthropic_provider.py"],
}
LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "Proprietary": "Copyright (c)",
}


def _assert_rendered_as_chosen(project: Path, answers: dict[str, Any]) -> None:
    providers = answers.get("llm_providers", ["openai"])
    package = answers.get("package_name", "acme_helper")
    slug = answers.get("project_slug", "acme-helper")
    for provider, files in PROVIDER_FILES.items():
        for name in files:
            path = project / name.format(package=package)
            assert path.exists() == (provider in providers), path
    assert (project / "Procfile").read_text().startswith(f"web: {slug} serve\n")
    pyproject = (project / "pyproject.toml").read_text()
    assert f'{slug} = "{package}.cli:main"' in pyproject
    for sdk in PROVIDER_FILES:
        assert (f'"{sdk}>=' in pyproject) == (sdk in providers)
    python = answers.get("python_version", "3.12")
    assert (project / ".python-version").read_text().strip() == python
    assert f'requires-python = ">={python}"' in pyproject
    license_text = (project / "LICENSE").read_text().strip()
    assert license_text.startswith(LICENSE_FIRST_LINES[answers.get("license", "MIT")])
    workflow = project / ".github" / "workflows" / "ci.yml"
    assert workflow.exists() == (answers.get("ci", "github") == "github")
    if workflow.exists():
        text = workflow.read_text()
        for step in ("uv sync --frozen", "ruff check", "mypy", "pytest"):
            assert step in text


@pytest.mark.slow
@pytest.mark.parametrize("answers", VARIANTS.values(), ids=VARIANTS.keys())
def test_variant_renders_and_passes_its_checks(
    copier: Any, tmp_path: Path, answers: dict[str, Any]
) -> None:
    project = copier.copy(tmp_path / "acme-helper", **answers).path
    _assert_rendered_as_chosen(project, answers)
    # The hooks ran: a lock, a local .env, and one clean first commit.
    assert (project / "uv.lock").exists()
    assert (project / ".env").read_text() == (project / ".env.example").read_text()
    log = run(project, "git", "log", "--oneline").stdout.strip().splitlines()
    assert len(log) == 1
    check_project(project)
    assert run(project, "git", "status", "--porcelain").stdout == ""


@pytest.mark.slow
def test_skip_tasks_gives_a_complete_offline_only_project(
    copier_template: Path, tmp_path: Path
) -> None:
    """--skip-tasks (no hooks), and no real provider at all: still a working project."""
    project = tmp_path / "offline-only"
    run_copy(
        str(copier_template),
        project,
        data={**DEFAULT_ANSWERS, "llm_providers": []},
        defaults=True,
        skip_tasks=True,
        quiet=True,
    )
    assert not (project / ".git").exists()
    assert not (project / ".env").exists()
    assert not (project / "uv.lock").exists()
    _assert_rendered_as_chosen(project, {"llm_providers": []})
    settings = (project / "src/acme_helper/settings.py").read_text()
    assert 'ProviderName = Literal["offline"]' in settings
    assert "openai" not in settings and "anthropic" not in settings
    run(project, UV, "lock")  # what the user's first `uv sync` does
    check_project(project)
