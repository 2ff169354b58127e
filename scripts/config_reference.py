"""Build docs/configuration.md from the generated service's own settings model.

It renders the template with every option (all providers, all use cases), installs the
project, reads ``Settings.model_fields`` there (names, types, defaults, secrets), and takes
each variable's meaning and section from the rendered ``.env.example``, which the generated
tests keep in step with the model. ``--write`` replaces the page; a template test fails when
the page and the model disagree, so the reference cannot drift.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tooling.env import UV, clean_env  # noqa: E402

PAGE = ROOT / "docs" / "configuration.md"
ANSWERS = {
    "project_name": "My Service",
    "llm_providers": ["openai", "anthropic"],
    "use_cases": ["chat", "generate", "analyze"],
}
DUMP_FIELDS = """
import json
from pydantic import SecretStr
from my_service.core.settings import Settings
from my_service.composition import discover
fields = []
for name, field in [
    item
    for settings in (Settings, *(cls for feature in discover() for cls in feature.settings))
    for item in settings.model_fields.items()
]:
    default = field.default
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    annotation = str(field.annotation).replace("typing.", "").replace("pydantic.types.", "")
    annotation = annotation.replace("<class '", "").replace("'>", "")
    fields.append({"name": name.upper(), "default": default, "type": annotation})
print(json.dumps(fields))
"""
HEADER = """# Configuration reference

Every setting of the generated service is an environment variable (factor III); a `.env`
file in the working directory is read for local development only, and real environment
variables win over it. This page is built from the settings model of a project generated
with every option (`scripts/config_reference.py`): a variable marked *with ...* exists only
when that option is chosen. A bad value stops every command with exit status 78 and one
line naming the variable.
"""
SECTION = re.compile(r"^# --- (.+?) ---$")
VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
ONLY_WITH = {
    "OpenAI, or any OpenAI-compatible server": "with `llm_providers: openai`",
    "Anthropic": "with `llm_providers: anthropic`",
    "Jobs and the worker process (factor VIII)": "with `use_cases: generate` or `analyze`",
    "Data analysis": "with `use_cases: analyze`",
}


def _env_example(text: str) -> dict[str, tuple[str, str]]:
    """Variable -> (section, meaning): the comment block above a variable, or above the run of
    variables it belongs to (HOST and PORT share one)."""
    found: dict[str, tuple[str, str]] = {}
    section, pending, meaning = "", [], ""
    for line in text.splitlines():
        if match := SECTION.match(line):
            section, pending = match.group(1), []
        elif line.startswith("# "):
            pending.append(line[2:])
        elif match := VARIABLE.match(line):
            if pending:
                meaning, pending = " ".join(pending), []
            found[match.group(1)] = (section, meaning)
        else:
            pending = []
    return found


def _fields(project: Path) -> list[dict[str, object]]:
    env = clean_env()
    subprocess.run([UV, "sync", "--quiet"], cwd=project, env=env, check=True)
    result = subprocess.run(
        [UV, "run", "--frozen", "python", "-c", DUMP_FIELDS],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    fields: list[dict[str, object]] = json.loads(result.stdout)
    return fields


def _cell(value: object) -> str:
    if value is None or value == "":
        return "(unset)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def render(project: Path) -> None:
    """Render the template's working tree with every option into ``project``."""
    from copier import run_copy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(
            str(ROOT), project, data=ANSWERS, defaults=True, skip_tasks=True, quiet=True,
            vcs_ref="HEAD",
        )  # fmt: skip


def build() -> str:
    """The page, from a freshly rendered and installed project."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "my-service"
        render(project)
        documented = _env_example((project / ".env.example").read_text())
        fields = _fields(project)
    sections: dict[str, list[str]] = {}
    for field in fields:
        name = str(field["name"])
        section, meaning = documented[name]
        kind = str(field["type"]).replace("|", "or").replace("SecretStr", "secret")
        row = f"| `{name}` | {_cell(field['default'])} | {kind} | {meaning} |"
        sections.setdefault(section, []).append(row)
    parts = [HEADER]
    for section, rows in sections.items():
        only = f"\n*{ONLY_WITH[section]}.*\n" if section in ONLY_WITH else ""
        parts.append(f"## {section}\n{only}\n| variable | default | type | meaning |")
        parts.append("|---|---|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"replace {PAGE.name}")
    args = parser.parse_args()
    page = build()
    if args.write:
        PAGE.write_text(page)
        print(f"wrote {PAGE.relative_to(ROOT)}")
    else:
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
