"""Every choice of every question, rendered and checked like a user's CI would."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy

from .conftest import DEFAULT_ANSWERS, UV, check_project, run

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "py311-anthropic-apache-no-ci-own-names": {
        "project_slug": "helper-service-with-a-long-descriptive-name",
        "package_name": "helper_core_with_a_long_descriptive_name",
        "python_version": "3.11",
        "llm_providers": ["anthropic"],
        "use_cases": ["chat"],
        "license": "Apache-2.0",
        "ci": "none",
    },
    "py313-openai-anthropic-proprietary-generate": {
        "python_version": "3.13",
        "llm_providers": ["openai", "anthropic"],
        "use_cases": ["generate"],
        "license": "Proprietary",
        "template_update_workflow": False,
    },
}
ALL_USE_CASES = ["chat", "generate", "analyze"]

PROVIDER_FILES = {
    "openai": ["src/{package}/llm/providers/openai.py", "tests/test_openai_provider.py"],
    "anthropic": ["src/{package}/llm/providers/anthropic.py", "tests/test_anthropic_provider.py"],
}
# What each use case adds: its feature folder and its tests' folder. "jobs" comes with
# generate or analyze.
USE_CASE_FILES = {
    "chat": [
        "src/{package}/features/chat/routes.py",
        "src/{package}/features/chat/service.py",
        "src/{package}/features/chat/store.py",
        "src/{package}/features/chat/models.py",
        "src/{package}/features/chat/prompts/chat.md",
        "src/{package}/features/chat/migrations/chat_0001_conversations.py",
        "tests/features/chat/test_chat.py",
        "tests/features/chat/test_streaming.py",
        "tests/features/chat/probe.py",
        "src/{package}/features/chat/web/tab.js",
        "tests/features/chat/test_page_chat.py",
        "src/{package}/features/chat/evals.py",
        "evals/chat.yaml",
        "tests/features/chat/test_evals_chat.py",
    ],
    "generate": [
        "src/{package}/features/generate/routes.py",
        "src/{package}/features/generate/templates.py",
        "src/{package}/features/generate/job.py",
        "src/{package}/features/generate/prompts/blog_outline.md",
        "tests/features/generate/test_generate.py",
        "tests/features/generate/probe.py",
        "src/{package}/features/generate/web/tab.js",
        "tests/features/generate/test_page_generate.py",
        "src/{package}/features/generate/evals.py",
        "evals/generate.yaml",
        "tests/features/generate/test_evals_generate.py",
    ],
    "analyze": [
        "src/{package}/features/analyze/routes.py",
        "src/{package}/features/analyze/datasets.py",
        "src/{package}/features/analyze/models.py",
        "src/{package}/features/analyze/job.py",
        "src/{package}/features/analyze/settings.py",
        "src/{package}/features/analyze/prompts/analyze.md",
        "src/{package}/features/analyze/migrations/analyze_0001_datasets.py",
        "tests/features/analyze/test_analyze.py",
        "tests/features/analyze/probe.py",
        "src/{package}/features/analyze/web/tab.js",
        "tests/features/analyze/test_page_analyze.py",
        "src/{package}/features/analyze/evals.py",
        "evals/analyze.yaml",
        "tests/features/analyze/test_evals_analyze.py",
    ],
    "jobs": [
        "src/{package}/jobs/routes.py",
        "src/{package}/jobs/feature.py",
        "src/{package}/jobs/submission.py",
        "src/{package}/jobs/worker.py",
        "src/{package}/jobs/models.py",
        "src/{package}/jobs/settings.py",
        "src/{package}/jobs/migrations/jobs_0001_jobs.py",
        "tests/features/jobs/test_jobs.py",
        "tests/features/jobs/test_worker.py",
        "src/{package}/jobs/web/jobs.js",
    ],
}
# Words that only a use case's own files and docs may contain.
USE_CASE_WORDS = {
    "chat": re.compile(r"/v1/chat(?!/completions)|conversation", re.I),
    "generate": re.compile(r"/v1/generate|blog_outline|prompts/generate|content generation", re.I),
    "analyze": re.compile(r"/v1/analyze|/v1/datasets|dataset", re.I),
    # CSP's `worker-src` (the API reference pages) is a browser's worker, not the jobs' one.
    "jobs": re.compile(r"/v1/jobs|taskiq|worker(?!-src)|JOB_|\bjobs/", re.I),
}
SCANNED_SKIP = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "Proprietary": "Copyright (c)",
}


def _assert_use_cases_as_chosen(project: Path, package: str, use_cases: list[str]) -> None:
    """Each chosen use case's files are there; nothing of an unchosen one appears anywhere."""
    chosen = set(use_cases)
    if chosen & {"generate", "analyze"}:
        chosen.add("jobs")
    for use_case, files in USE_CASE_FILES.items():
        for name in files:
            path = project / name.format(package=package)
            assert path.exists() == (use_case in chosen), path
    found = []
    for path in project.rglob("*"):
        if SCANNED_SKIP & set(path.parts) or not path.is_file() or path.name == "uv.lock":
            continue
        text = path.read_text(errors="replace")
        for use_case, words in USE_CASE_WORDS.items():
            if use_case not in chosen:
                found += [f"{path.relative_to(project)}: {m[0]}" for m in words.finditer(text)]
    assert not found, f"unchosen use cases show in: {found}"
    procfile = (project / "Procfile").read_text()
    assert ("worker: " in procfile) == ("jobs" in chosen)


def _assert_rendered_as_chosen(project: Path, answers: dict[str, Any]) -> None:
    providers = answers.get("llm_providers", ["openai"])
    package = answers.get("package_name", "acme_helper")
    slug = answers.get("project_slug", "acme-helper")
    for provider, files in PROVIDER_FILES.items():
        for name in files:
            path = project / name.format(package=package)
            assert path.exists() == (provider in providers), path
    _assert_use_cases_as_chosen(project, package, answers.get("use_cases", ALL_USE_CASES))
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
        for step in ("uv sync --frozen", "ruff check", "mypy", "pytest", "check_update.py"):
            assert step in text
        assert "TEST_DATABASE_URL" in text and "TEST_REDIS_URL" in text  # nothing skips
        scheduled_file = workflow.parent / "template-update.yml"
        assert scheduled_file.exists() == answers.get("template_update_workflow", True)
        if scheduled_file.exists():
            scheduled = yaml.safe_load(scheduled_file.read_text())
            steps = scheduled["jobs"]["check-update"]["steps"]
            runs = [step.get("run", "") for step in steps]
            assert any("copier check-update --output-format json" in run for run in runs)
            assert "schedule" in scheduled[True]  # YAML reads the key `on` as True


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
    check_project(project, browser=answers == VARIANTS["defaults"])  # every use case: the page
    assert run(project, "git", "status", "--porcelain").stdout == ""


def _render_without_hooks(template: Path, project: Path, answers: dict[str, Any]) -> None:
    """``copier copy --defaults --skip-tasks``: no trust needed, no hooks run."""
    data = {**DEFAULT_ANSWERS, **answers}
    run_copy(str(template), project, data=data, defaults=True, skip_tasks=True, quiet=True)


OFFLINE_ONLY_TESTS = (
    "tests/features/analyze",
    "tests/features/page",
    "tests/test_config.py",
    "tests/test_production.py",
    "tests/test_llm.py",
    "tests/test_structured.py",
    "tests/test_api.py",
    "tests/test_openapi.py",
    "tests/test_evals.py",
    "tests/test_fault_catalogue.py",
)


@pytest.mark.slow
def test_skip_tasks_gives_a_complete_offline_only_project(
    copier_template: Path, tmp_path: Path
) -> None:
    """--skip-tasks (no hooks), no real provider, data analysis only: still a working project."""
    project = tmp_path / "offline-only"
    answers = {"llm_providers": [], "use_cases": ["analyze"]}
    _render_without_hooks(copier_template, project, answers)
    assert not (project / ".git").exists()
    assert not (project / ".env").exists()
    assert not (project / "uv.lock").exists()
    _assert_rendered_as_chosen(project, answers)
    settings = (project / "src/acme_helper/core/settings.py").read_text()
    assert 'ProviderName = Literal["offline"]' in settings
    assert "openai" not in settings and "anthropic" not in settings
    run(project, UV, "lock")  # what the user's first `uv sync` does
    # The whole project is linted and type-checked; of its tests, those this render changes
    # (no provider, one use case): the rest are the defaults' own, run in full there.
    check_project(project, OFFLINE_ONLY_TESTS)


def test_every_option_at_the_longest_names_passes_ruff(
    copier_template: Path, tmp_path: Path
) -> None:
    """Long names lengthen import lines: every option's code still fits ruff's line limit."""
    project = tmp_path / "long-names"
    answers = {
        "project_slug": "helper-service-with-a-long-descriptive-name",
        "package_name": "helper_core_with_a_long_descriptive_name",
        "llm_providers": ["openai", "anthropic"],
        "use_cases": ALL_USE_CASES,
    }
    _render_without_hooks(copier_template, project, answers)
    ruff = str(Path(sys.executable).parent / "ruff")
    run(project, ruff, "check", "--no-cache", ".")
    run(project, ruff, "format", "--check", "--no-cache", ".")


def _files(project: Path) -> dict[str, str]:
    return {
        str(path.relative_to(project)): path.read_text()
        for path in project.rglob("*")
        if path.is_file() and not SCANNED_SKIP & set(path.parts)
    }


def _added_and_changed(
    template: Path, tmp_path: Path, before: list[str], after: list[str]
) -> tuple[set[str], set[str]]:
    """The files that rendering with ``after`` adds to ``before``'s, and the Python files it
    changes (``project_name`` is the same, so only the use cases differ)."""
    renders = []
    for name, use_cases in (("before", before), ("after", after)):
        _render_without_hooks(template, tmp_path / name, {"use_cases": use_cases})
        renders.append(_files(tmp_path / name))
    old, new = renders
    assert set(old) <= set(new), set(old) - set(new)
    changed = {name for name in old if name.endswith(".py") and old[name] != new[name]}
    return set(new) - set(old), changed


def test_a_use_case_more_adds_only_its_folders(copier_template: Path, tmp_path: Path) -> None:
    """A use case is its folders: adding one adds files there and changes no Python file
    elsewhere; the first job use case brings the jobs layer (its API, worker and tables)."""
    jobs_layer = ("src/acme_helper/jobs/", "tests/features/jobs/")
    added, changed = _added_and_changed(copier_template, tmp_path, ["chat"], ["chat", "analyze"])
    own = ("src/acme_helper/features/analyze/", "tests/features/analyze/")
    outside = {
        name for name in added if name.endswith(".py") and not name.startswith(own + jobs_layer)
    }
    assert outside == set(), outside
    assert changed == set(), changed  # the jobs layer offers `worker` through its Feature
    assert any(name.startswith("src/acme_helper/features/analyze/migrations/") for name in added)

    added, changed = _added_and_changed(
        copier_template, tmp_path / "third", ["chat", "analyze"], ["chat", "analyze", "generate"]
    )
    own = ("src/acme_helper/features/generate/", "tests/features/generate/")
    assert {name for name in added if not name.startswith(own) and name.endswith(".py")} == set()
    assert changed == set(), changed
    assert "src/acme_helper/features/generate/prompts/blog_outline.md" in added
