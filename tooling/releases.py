"""The release record, ``releases.toml``: each version of the template and its commit.

Git tags do not survive this repository's submissions; the record does. ``make tags``
(``python -m tooling.releases tags``) creates the tags it names that are missing, and
refuses, creating none, when a tag of that name points at another commit.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "releases.toml"
COMMIT = re.compile(r"[0-9a-f]{40}")


class RecordError(ValueError):
    """The record is malformed, or disagrees with the repository."""


def version_of(name: str) -> Version:
    """``v0.3.0`` as a PEP 440 version; a name not spelled ``v`` + its canonical form fails."""
    try:
        version = Version(name.removeprefix("v"))
    except InvalidVersion:
        version = None
    if version is None or name != f"v{version}":
        raise RecordError(f"{name!r} is not a release name: v and a PEP 440 version (v0.3.0)")
    return version


def load(path: Path = RECORD) -> dict[str, str]:
    """Version to commit (40 hex digits), oldest version first."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RecordError(f"{path}: {exc}") from exc
    releases = data.get("releases")
    if not isinstance(releases, dict) or not releases:
        raise RecordError(f'{path}: no [releases] table of "version" = "commit" lines')
    for name, commit in releases.items():
        version_of(name)
        if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
            raise RecordError(f"{path}: {name}'s commit {commit!r} is not a full commit id")
    return dict(sorted(releases.items(), key=lambda item: version_of(item[0])))


def last(path: Path = RECORD) -> tuple[str, str]:
    """The newest release and its commit."""
    return list(load(path).items())[-1]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def is_shallow(repo: Path = ROOT) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def has_commit(repo: Path, commit: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def tags(repo: Path = ROOT) -> dict[str, str]:
    """Each tag of the repository and the commit it points at."""
    fields = "%(refname:strip=2) %(objectname) %(*objectname)"  # *: an annotated tag's commit
    listing = _git(repo, "for-each-ref", f"--format={fields}", "refs/tags")
    result = {}
    for line in listing.stdout.splitlines():
        name, own, commit = (line + " ").split(" ")[:3]
        result[name] = commit or own
    return result


def missing_commit(repo: Path, version: str, commit: str) -> str:
    """Why ``commit`` is not there, for a message."""
    why = (
        "this clone is shallow: `git fetch --unshallow` brings the history"
        if is_shallow(repo)
        else "it is not in this repository's history"
    )
    return f"{version}'s commit {commit} cannot be found: {why}"


def make_tags(repo: Path, releases: dict[str, str]) -> list[str]:
    """Create each missing tag at its commit; what was done, a line per release.

    Raises RecordError, having created nothing, when a tag points elsewhere or a commit is
    not in the repository.
    """
    existing = tags(repo)
    problems = []
    for version, commit in releases.items():
        if version in existing and existing[version] != commit:
            problems.append(
                f"tag {version} points at {existing[version]}, but releases.toml records "
                f"{commit}: fix the record, or move the tag yourself (git tag -f)"
            )
        elif version not in existing and not has_commit(repo, commit):
            problems.append(missing_commit(repo, version, commit))
    if problems:
        raise RecordError("\n".join(problems))
    done = []
    for version, commit in releases.items():
        if version in existing:
            done.append(f"{version}: already tagged at {commit}")
            continue
        created = _git(repo, "tag", version, commit)
        if created.returncode != 0:
            raise RecordError(f"git tag {version} {commit}: {created.stderr.strip()}")
        done.append(f"{version}: tagged at {commit}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.releases", description=__doc__)
    parser.add_argument("command", choices=["tags"], help="create the missing tags")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the git repository")
    parser.add_argument("--record", type=Path, default=RECORD, help="the releases.toml")
    args = parser.parse_args(argv)
    try:
        for line in make_tags(args.repo, load(args.record)):
            print(line)
    except RecordError as exc:
        print(f"make tags: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
