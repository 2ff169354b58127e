"""The documentation site: it builds strictly, every question is on it, and the
configuration reference is the settings model's own."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tooling.env import ROOT, clean_env

from .conftest import template_config


def _script(name: str) -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=clean_env(NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for page in ("index.html", "architecture/index.html", "options/index.html"):
        assert (tmp_path / "site" / page).exists(), page


def test_every_question_is_documented() -> None:
    questions = template_config()
    page = (ROOT / "docs" / "questions.md").read_text()
    asked = [
        name
        for name, spec in questions.items()
        if not name.startswith("_") and spec.get("when") is not False
    ]
    missing = [name for name in asked if f"| `{name}` |" not in page]
    assert not missing, f"docs/questions.md does not describe: {missing}"


@pytest.mark.slow
def test_configuration_reference_is_the_settings_models_own() -> None:
    built = _script("config_reference").build()
    committed = (ROOT / "docs" / "configuration.md").read_text()
    assert committed == built, "run: uv run python scripts/config_reference.py --write"


def test_the_fault_catalogue_is_the_generated_projects_own() -> None:
    built = _script("fault_catalogue").build()
    committed = (ROOT / "docs" / "fault-catalogue.md").read_text()
    assert committed == built, "run: uv run python scripts/fault_catalogue.py --write"


def test_the_options_map_is_the_templates_own() -> None:
    """docs/options.md lists what each answer adds, as the template renders it now."""
    built = _script("options_map").build()
    committed = (ROOT / "docs" / "options.md").read_text()
    assert committed == built, "run: uv run python scripts/options_map.py --write"
    assert "src/my_service/features/analyze/routes.py" in built


def test_the_readme_repeats_no_docs_section() -> None:
    """One source per fact: no paragraph, table or code block of the README is in docs/."""
    docs = "\n".join(page.read_text() for page in (ROOT / "docs").rglob("*.md"))
    blocks = [block.strip() for block in (ROOT / "README.md").read_text().split("\n\n")]
    repeated = [block for block in blocks if block.count("\n") >= 2 and block in docs]
    assert not repeated, repeated
    assert len((ROOT / "README.md").read_text().splitlines()) < 60
