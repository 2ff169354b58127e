"""Migration hook: write ``prompts.lock`` from the project's own prompts after an update.

``prompts.lock`` records each prompt's version and fingerprint, so that the project's
``admin prompts`` check fails when a prompt changed but kept its version. It records the
user's files, not the template's: an update would otherwise bring the template's lock, and
with it a failure the user did not cause (a prompt they edited and gave a new version, as
the docs ask, "is at version '2', prompts.lock has '1'"). Run by ``_migrations`` on every
update (no ``version``), at both stages:

- ``before``: the project's lock as it is (if it has one) is kept in the git directory;
- ``after``: every prompt (``src/<package>/features/<feature>/prompts/<name>.md``) is
  fingerprinted as the generated ``admin prompts`` does, and the lock is rewritten from
  them, each at its own version. The one exception is a prompt that changed but kept the
  version its reference entry has (the kept lock's, or, for a project that had none, the
  lock the update brought): that entry is kept as it was, so the project's check still
  fails for it, and the update says so now.

A prompt file that cannot be read as a prompt leaves the lock as the update brought it,
with a message: the project's own check then names the file. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

LOCK_FILE = "prompts.lock"
KEPT = "copier-prompts.lock"  # in the git directory, between the two stages
# As the generated ``admin/prompts.py`` writes it (``render_lock``).
HEADER = """\
# The version and fingerprint of every prompt: written by `admin prompts --lock`, committed.
# `admin prompts` (CI runs it) fails when a prompt changed but its version did not.
"""


class Entry(NamedTuple):
    version: str
    sha256: str


def fingerprint(source: str, name: str) -> Entry:
    """The prompt's version and fingerprint, as the generated ``admin prompts`` computes them.

    The same rules as ``llm/prompts.py`` (``parse``) and ``admin/prompts.py``
    (``fingerprint``) of the generated project: front matter between the first two ``---``
    lines, ``key: value`` each, a ``version`` required; the sha256 of the sorted front matter
    lines but ``version``, a ``---`` line, and the stripped body.
    """
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
    described = [f"{key}: {value}" for key, value in sorted(meta.items()) if key != "version"]
    canonical = "\n".join([*described, "---", body])
    return Entry(meta["version"], hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def prompts(project: Path, package: str) -> dict[str, Entry]:
    """Every prompt of the project's features, by name (``<feature>/<name>``)."""
    features = project / "src" / package / "features"
    found: dict[str, Entry] = {}
    for path in sorted(features.glob("*/prompts/*.md")):
        feature = path.parent.parent
        if not (feature / "__init__.py").is_file():
            continue  # not a package: the service does not see it either
        name = f"{feature.name}/{path.name.removesuffix('.md')}"
        found[name] = fingerprint(path.read_text("utf-8"), name)
    return found


def read_lock(path: Path) -> dict[str, Entry] | None:
    """The lock's entries; None when there is no lock, or it is not one (a conflict, say)."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return {name: Entry(str(e["version"]), str(e["sha256"])) for name, e in data.items()}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, KeyError):
        return None


def render(entries: dict[str, Entry]) -> str:
    tables = [
        f"\n[{json.dumps(name)}]\n"
        f"version = {json.dumps(entry.version)}\n"
        f"sha256 = {json.dumps(entry.sha256)}\n"
        for name, entry in sorted(entries.items())
    ]
    return HEADER + "".join(tables)


def unversioned(name: str, entry: Entry) -> str:
    """The generated check's own words for a prompt that changed but kept its version."""
    return (
        f"prompt {name!r} changed but its version is still {entry.version!r}:"
        " give it a new version in its front matter, then run `admin prompts --lock`"
    )


Lock = dict[str, Entry]


def relock(found: Lock, reference: Lock) -> tuple[Lock, list[str]]:
    """The new lock's entries, and what is still wrong with them (unversioned changes)."""
    entries: dict[str, Entry] = {}
    problems: list[str] = []
    for name, entry in found.items():
        known = reference.get(name)
        if known and known.version == entry.version and known.sha256 != entry.sha256:
            entries[name] = known  # the check keeps failing for it, as it should
            problems.append(unversioned(name, entry))
        else:
            entries[name] = entry
    return entries, problems


def git_path(project: Path, name: str) -> Path | None:
    """``name`` inside the project's git directory (a worktree's too); None outside git."""
    result = subprocess.run(
        ["git", "rev-parse", "--git-path", name], cwd=project, capture_output=True, text=True
    )
    return project / result.stdout.strip() if result.returncode == 0 else None


def before(project: Path) -> int:
    kept = git_path(project, KEPT)
    if kept is None:
        print("migration: not a git repository: prompts.lock is left as the update brings it")
        return 0
    kept.unlink(missing_ok=True)
    if (project / LOCK_FILE).is_file():
        shutil.copyfile(project / LOCK_FILE, kept)
    return 0


def after(project: Path, package: str) -> int:
    kept = git_path(project, KEPT)
    reference = read_lock(kept) if kept and kept.is_file() else None  # the lock before
    if kept:
        kept.unlink(missing_ok=True)
    lock = project / LOCK_FILE
    try:
        found = prompts(project, package)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"migration: {LOCK_FILE} left as the update brought it: {exc}")
        return 0
    if not found and not lock.is_file():
        return 0  # no prompts, and no lock to keep in step with them
    if reference is None:  # the project had no lock: the one the update brought
        reference = read_lock(lock) or {}
    entries, problems = relock(found, reference)
    text = render(entries)
    if not lock.is_file() or lock.read_text("utf-8") != text:
        lock.write_text(text, "utf-8")
        print(f"migration: {LOCK_FILE} written from the project's {len(found)} prompt(s)")
    (project / f"{LOCK_FILE}.rej").unlink(missing_ok=True)  # the whole lock is rewritten
    for problem in problems:
        print(f"migration: {problem}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["before", "after"])
    parser.add_argument("--project", type=Path, default=Path())
    parser.add_argument("--package", help="after: the project's package_name answer")
    args = parser.parse_args(argv)
    if args.stage == "before":
        return before(args.project)
    if not args.package:
        print("error: after needs --package", file=sys.stderr)
        return 1
    return after(args.project, args.package)


if __name__ == "__main__":
    sys.exit(main())
