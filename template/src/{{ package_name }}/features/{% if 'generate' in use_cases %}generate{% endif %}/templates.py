"""Content generation from versioned prompt templates: this feature's ``prompts/*.md``.

A template's front matter declares its ``version`` and its ``variables``; a variable written
``name=value`` is optional with that default. The body refers to variables as ``$name``.
An optional ``schema:`` names a model of ``schemas.py``: the template then answers JSON.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pydantic import BaseModel

from ...llm.prompts import Prompt, parse
from .schemas import SCHEMAS

MAX_VALUE_LENGTH = 10_000
SYSTEM = "You write the content the user asks for, exactly as instructed, and nothing else."


@dataclass(frozen=True)
class Template:
    name: str
    version: str
    description: str
    required: tuple[str, ...]
    defaults: dict[str, str]
    body: str
    schema: type[BaseModel] | None = None

    @property
    def prompt(self) -> Prompt:
        """The system prompt a rendering is sent with, versioned ``generate/<name>@<version>``."""
        return Prompt(f"generate/{self.name}", self.version, SYSTEM)

    def render(self, values: dict[str, str]) -> str:
        """Fill the variables in; ValueError names every missing or unknown one."""
        missing = [name for name in self.required if name not in values]
        unknown = sorted(set(values) - set(self.required) - set(self.defaults))
        too_long = [name for name, value in values.items() if len(value) > MAX_VALUE_LENGTH]
        problems = [f"missing variable {name!r}" for name in missing]
        problems += [f"unknown variable {name!r}" for name in unknown]
        problems += [
            f"variable {name!r} is over {MAX_VALUE_LENGTH} characters" for name in too_long
        ]
        if problems:
            raise ValueError(f"template {self.name!r}: " + "; ".join(problems))
        return string.Template(self.body).substitute({**self.defaults, **values})


def _variables(declared: str) -> tuple[tuple[str, ...], dict[str, str]]:
    required: list[str] = []
    defaults: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in declared.split(","))):
        name, has_default, default = item.partition("=")
        if has_default:
            defaults[name.strip()] = default.strip()
        else:
            required.append(name.strip())
    return tuple(required), defaults


@cache
def templates() -> dict[str, Template]:
    """Every template shipped in the package, by name."""
    found: dict[str, Template] = {}
    folder = resources.files(__package__).joinpath("prompts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".md"):
            continue
        prompt, meta = parse(entry.read_text("utf-8"), entry.name.removesuffix(".md"))
        required, defaults = _variables(meta.get("variables", ""))
        schema_name = meta.get("schema")
        if schema_name is not None and schema_name not in SCHEMAS:
            raise ValueError(f"template {entry.name!r}: no schema {schema_name!r} in schemas.py")
        template = Template(
            prompt.name,
            prompt.version,
            meta.get("description", ""),
            required,
            defaults,
            prompt.text,
            SCHEMAS[schema_name] if schema_name else None,
        )
        template.render({name: "x" for name in required})  # every $name is declared
        found[template.name] = template
    return found
