"""Build docs/options.md: what each answer adds to a generated project, files and settings.

The page is measured, not written: the template's working tree is rendered once with the
smallest answers (chat only, no provider, no CI), then once more per answer with only that
answer changed, and the page lists the files and environment variables each one adds.
``tests/test_docs.py`` builds it again and compares, so it cannot drift from the template.

    uv run python scripts/options_map.py           # print the page
    uv run python scripts/options_map.py --write   # rewrite docs/options.md
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "options.md"
PACKAGE = "my_service"
BASE: dict[str, Any] = {
    "project_name": "My Service",
    "use_cases": ["chat"],
    "llm_providers": [],
    "ci": "none",
}
GITHUB = {"ci": "github", "template_update_workflow": False}
# (answer as the page shows it, the answers that differ from BASE, the answers it is compared
# with: BASE's, or those it depends on)
OPTIONS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("use_cases: generate", {"use_cases": ["chat", "generate"]}, {}),
    ("use_cases: analyze", {"use_cases": ["chat", "analyze"]}, {}),
    ("llm_providers: openai", {"llm_providers": ["openai"]}, {}),
    ("llm_providers: anthropic", {"llm_providers": ["anthropic"]}, {}),
    ("ci: github", GITHUB, {}),
    ("template_update_workflow: true", {**GITHUB, "template_update_workflow": True}, GITHUB),
]
IGNORED = shutil.ignore_patterns(".git", ".venv", "site", "demo", "__pycache__", ".*_cache")
VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.M)
SKIPPED = {".copier-answers.yml"}
HEADER = """# What each answer adds

Built from the template by `scripts/options_map.py` (a test builds it again and compares):
the template is rendered with the smallest answers (`use_cases: [chat]`, no provider beyond
the offline one, `ci: none`), then with one answer changed at a time. Each section lists the
files that answer adds and the settings it adds to `.env.example`; files shared by all
(`README.md`, `pyproject.toml`, `.env.example`, ...) only change. The package is shown as
`my_service`.

A use case is its folders: `src/my_service/features/<use_case>/` and
`tests/features/<use_case>/`. The first use case that runs as a job (`generate` or
`analyze`) also brings the jobs layer (`src/my_service/jobs/`: the job table, queue,
runner, worker, the jobs API and its `Feature`, which adds the `worker` command) and its
tests; the rest of the code is the same whatever the answers (see
[Architecture](architecture.md)).

## Always there

{always}
"""


def render(source: Path, answers: dict[str, Any], dest: Path) -> tuple[set[str], set[str]]:
    """Render ``source`` with ``answers``; return its files and its variables."""
    from copier import run_copy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(str(source), dest, data=answers, defaults=True, skip_tasks=True, quiet=True)
    files = {
        str(path.relative_to(dest))
        for path in dest.rglob("*")
        if path.is_file() and ".git" not in path.parts and path.name not in SKIPPED
    }
    variables = set(VARIABLE.findall((dest / ".env.example").read_text()))
    return files, variables


def _tree(files: set[str]) -> str:
    return "```\n" + "\n".join(sorted(files)) + "\n```"


def build() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        # The working tree, uncommitted changes included, as a plain folder: fast to render.
        source = Path(tmp) / "template"
        shutil.copytree(ROOT, source, ignore=IGNORED)
        base_files, base_variables = render(source, BASE, Path(tmp) / "base")
        parts = [HEADER.format(always=_tree(base_files))]
        for number, (title, changed, compared) in enumerate(OPTIONS):
            files, variables = render(source, {**BASE, **changed}, Path(tmp) / str(number))
            old_files, old_variables = base_files, base_variables
            if compared:
                old_files, old_variables = render(source, {**BASE, **compared}, Path(tmp) / "c")
            added = files - old_files
            settings = sorted(variables - old_variables)
            parts.append(f"## `{title}`\n")
            parts.append(_tree(added) if added else "No file.")
            if settings:
                parts.append("\nSettings: " + ", ".join(f"`{name}`" for name in settings) + ".")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {PAGE.name}")
    args = parser.parse_args(argv)
    page = build()
    if args.write:
        PAGE.write_text(page)
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
