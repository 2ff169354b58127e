"""Releases: PEP 440 versions, each with its CHANGELOG entry; tags and entries agree."""

from __future__ import annotations

import re
import subprocess

from packaging.version import Version

from tooling.env import ROOT

HEADING = re.compile(r"^## (\S+)(?: \((\d{4}-\d{2}-\d{2})\))?$", re.M)


def _entries() -> list[tuple[str, str]]:
    return HEADING.findall((ROOT / "CHANGELOG.md").read_text())


def test_changelog_versions_are_pep440_tags_newest_first() -> None:
    entries = _entries()
    assert entries[0] == ("Unreleased", "")
    versions = [name for name, _ in entries[1:]]
    assert versions, "no released version in CHANGELOG.md"
    for name, date in entries[1:]:
        assert name.startswith("v") and str(Version(name[1:])) == name[1:], name
        assert date, f"{name} has no date"
    parsed = [Version(name[1:]) for name in versions]
    assert parsed == sorted(parsed, reverse=True)


def test_every_tag_has_an_entry() -> None:
    tags = subprocess.run(
        ["git", "tag", "--list", "v*"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    documented = {name for name, _ in _entries()}
    assert not [tag for tag in tags if tag not in documented]
