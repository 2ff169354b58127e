"""Releases: PEP 440 versions, each with its CHANGELOG entry and its commit in releases.toml;
the record, the entries and any tags agree, both ways; ``make tags`` creates the tags."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from tooling import releases
from tooling.env import ROOT

HEADING = re.compile(r"^## (\S+)(?: \((\d{4}-\d{2}-\d{2})\))?$", re.M)
VERSION_LIKE = re.compile(r"v\d")


def _entries() -> list[tuple[str, str]]:
    return HEADING.findall((ROOT / "CHANGELOG.md").read_text())


def _git(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


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


def test_the_record_and_the_changelog_name_the_same_releases() -> None:
    recorded = set(releases.load())
    documented = {name for name, _ in _entries()} - {"Unreleased"}
    assert documented - recorded == set(), "in CHANGELOG.md, not in releases.toml"
    assert recorded - documented == set(), "in releases.toml, without a CHANGELOG.md entry"


def test_each_recorded_commit_is_in_the_history() -> None:
    """A release is a commit of main: tags do not survive a submission, commits do."""
    problems = []
    for version, commit in releases.load().items():
        if not releases.has_commit(ROOT, commit):
            problems.append(releases.missing_commit(ROOT, version, commit))
        elif _git("merge-base", "--is-ancestor", commit, "HEAD").returncode != 0:
            shallow = " (this clone is shallow)" if releases.is_shallow(ROOT) else ""
            problems.append(f"{version}'s commit {commit} is not an ancestor of HEAD{shallow}")
    assert problems == []


def test_each_version_tag_points_at_its_recorded_commit() -> None:
    """No tag need exist (none survives a submission); one that does agrees with the record."""
    recorded = releases.load()
    documented = {name for name, _ in _entries()}
    for tag, commit in releases.tags(ROOT).items():
        if VERSION_LIKE.match(tag):
            assert tag in documented, f"tag {tag} has no CHANGELOG.md entry"
            assert tag in recorded, f"tag {tag} is not in releases.toml"
            assert commit == recorded[tag], f"tag {tag} is at {commit}, recorded {recorded[tag]}"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('"0.4.0" = "' + "a" * 40 + '"', "'0.4.0' is not a release name"),
        ('"v0.04" = "' + "a" * 40 + '"', "'v0.04' is not a release name"),
        ('"v0.4.0" = "6e9cd2d"', "v0.4.0's commit '6e9cd2d' is not a full commit id"),
    ],
)
def test_a_malformed_record_is_named(tmp_path: Path, line: str, error: str) -> None:
    record = tmp_path / "releases.toml"
    record.write_text(f"[releases]\n{line}\n")
    with pytest.raises(releases.RecordError, match=re.escape(error)):
        releases.load(record)


def _tags_command(repo: Path, record: Path = releases.RECORD) -> subprocess.CompletedProcess[str]:
    """What `make tags` runs, on ``repo``."""
    module = [sys.executable, "-m", "tooling.releases"]
    return subprocess.run(
        [*module, "tags", "--repo", str(repo), "--record", str(record)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_tags_creates_the_missing_tags_once_and_refuses_a_moved_one(tmp_path: Path) -> None:
    """On a repository that borrows this one's objects, so that our own tags stay as they are."""
    repo = tmp_path / "clone"
    assert _git("init", "--quiet", str(repo)).returncode == 0
    objects = Path(_git("rev-parse", "--path-format=absolute", "--git-common-dir").stdout.strip())
    (repo / ".git/objects/info/alternates").write_text(f"{objects / 'objects'}\n")
    recorded = releases.load()
    first, *_ = recorded
    # One tag already there, annotated, at its recorded commit: kept.
    identity = ["-c", "user.name=T", "-c", "user.email=t@example.com"]
    assert _git(*identity, "tag", "-a", "-m", "x", first, recorded[first], cwd=repo).returncode == 0

    created = _tags_command(repo)
    assert created.returncode == 0, created.stderr
    assert f"{first}: already tagged at {recorded[first]}" in created.stdout
    assert releases.tags(repo) == recorded
    again = _tags_command(repo)
    assert again.returncode == 0 and "tagged at" in again.stdout and ": tagged" not in again.stdout

    *_, newest = recorded
    assert _git("tag", "-f", newest, recorded[first], cwd=repo).returncode == 0
    _git("tag", "-d", first, cwd=repo)
    refused = _tags_command(repo)
    assert refused.returncode == 1
    assert f"tag {newest} points at {recorded[first]}, but releases.toml records" in refused.stderr
    assert first not in releases.tags(repo)  # nothing created when refused

    unknown = tmp_path / "releases.toml"
    unknown.write_text(f'[releases]\n"v9.0.0" = "{"0" * 40}"\n')
    missing = _tags_command(repo, unknown)
    assert missing.returncode == 1
    assert f"v9.0.0's commit {'0' * 40} cannot be found" in missing.stderr
