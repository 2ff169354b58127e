"""Versioned prompts: Markdown files with front matter, shipped in each feature's ``prompts/``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    text: str

    @property
    def version_tag(self) -> str:
        """``name@version``: logged on every LLM call and stored with every reply."""
        return f"{self.name}@{self.version}"


def parse(source: str, name: str) -> tuple[Prompt, dict[str, str]]:
    """Split ``---``-delimited front matter from the body; return the prompt and the metadata."""
    lines = source.splitlines()
    markers = [i for i, line in enumerate(lines) if line.strip() == "---"]
    if len(markers) < 2 or markers[0] != 0:
        raise ValueError(f"prompt {name!r} has no front matter between '---' lines")
    end = markers[1]
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"prompt {name!r}: front matter line {line!r} is not 'key: value'")
        meta[key.strip()] = value.strip()
    if not meta.get("version"):
        raise ValueError(f"prompt {name!r} declares no version in its front matter")
    body = "\n".join(lines[end + 1 :]).strip()
    return Prompt(meta.get("name", name), meta["version"], body), meta


def load(package: str, name: str) -> Prompt:
    """The prompt ``prompts/<name>.md`` of ``package`` (a feature passes its ``__package__``)."""
    source = resources.files(package).joinpath("prompts", f"{name}.md").read_text("utf-8")
    return parse(source, name)[0]
