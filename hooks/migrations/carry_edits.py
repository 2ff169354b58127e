"""Migration hook: carry a user's edits of a file the new template version renders elsewhere.

Copier deletes a file that the new version no longer renders, edits and all, and renders the
file's new path fresh. Run by ``_migrations`` at both stages with a moves file (one
``OLD NEW`` pair per line; ``{package}`` is the project's ``package_name`` answer):

- ``before``: the project's copy of each OLD is kept in ``.git/copier-moves/<moves file>/``
  (a folder per moves file: an update across two releases that move files runs both);
- ``after``: the OLD of the version updated from is rendered again (the base), and each kept
  copy that differs from it, that is each file the user edited, is merged into NEW with a
  three-way merge (``git merge-file``): the user's edits and the template's changes both
  land; where they touch the same lines, conflict markers are left, which
  ``scripts/check_update.py`` reports. A file the user did not edit is left as rendered.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

KEPT = Path(".git") / "copier-moves"


def read_moves(path: Path, package: str) -> list[tuple[str, str]]:
    """The ``OLD NEW`` pairs of a moves file; blank lines and ``#`` comments are skipped."""
    moves = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pair = line.replace("{package}", package).split()
        if len(pair) != 2 or any(Path(p).is_absolute() or ".." in Path(p).parts for p in pair):
            raise ValueError(f"{path.name}:{number}: expected 'OLD NEW' inside the project")
        moves.append((pair[0], pair[1]))
    return moves


def answers(project: Path) -> dict[str, Any]:
    import yaml  # Copier's own dependency: there wherever Copier runs this script

    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text()) or {}
    return dict(loaded)


def keep(project: Path, moves: list[tuple[str, str]], folder: Path = KEPT) -> list[str]:
    """Keep the project's copy of each OLD that it has, under its NEW name in ``folder``."""
    kept = []
    for old, new in moves:
        if (project / old).is_file():
            target = project / folder / new
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(project / old, target)
            kept.append(old)
    return kept


def render_base(template: str, version: str, data: dict[str, Any], dest: Path) -> None:
    """The project as the version updated from rendered it, with the project's answers."""
    from copier import run_copy

    answered = {key: value for key, value in data.items() if not key.startswith("_")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_copy(
            template, dest, data=answered, vcs_ref=version, defaults=True, skip_tasks=True,
            quiet=True, unsafe=True,
        )  # fmt: skip


def merge(
    project: Path, base: Path, moves: list[tuple[str, str]], folder: Path = KEPT
) -> list[str]:
    """Merge each kept copy's edits into NEW; say what was done for each edited file."""
    report = []
    for old, new in moves:
        mine = project / folder / new
        if not mine.is_file():
            continue
        original = base / old
        target = project / new
        if original.is_file() and original.read_bytes() == mine.read_bytes():
            continue  # not edited: the new rendering stands
        if not target.exists() or not original.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():  # no base to merge from: keep both, the user decides
                shutil.copyfile(mine, target.with_name(target.name + ".yours"))
                report.append(f"{old}: no base to merge with; your copy is {new}.yours")
            else:
                shutil.copyfile(mine, target)
                report.append(f"{old}: your copy is now {new}")
            continue
        merged = subprocess.run(
            ["git", "merge-file", "-p", "-L", f"{new} (yours)", "-L", f"{old} (before)",
             "-L", f"{new} (template)", str(mine), str(original), str(target)],
            capture_output=True,
        )  # fmt: skip
        if merged.returncode < 0 or merged.returncode > 127:
            raise RuntimeError(f"git merge-file failed on {new}: {merged.stderr.decode()}")
        target.write_bytes(merged.stdout)
        conflicts = merged.returncode
        report.append(
            f"{old}: your edits are now in {new}"
            + (f" with {conflicts} conflict(s) to resolve" if conflicts else "")
        )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["before", "after"])
    parser.add_argument("--moves", type=Path, required=True, help="a file of 'OLD NEW' lines")
    parser.add_argument("--project", type=Path, default=Path())
    parser.add_argument("--template", help="after: the template (Copier's src_path)")
    parser.add_argument("--from-version", help="after: the version updated from")
    args = parser.parse_args(argv)
    project = args.project
    if not (project / ".git").is_dir():
        print("migration: not a git repository: nothing kept", file=sys.stderr)
        return 0
    try:
        moves = read_moves(args.moves, str(answers(project).get("package_name", "")))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    folder = KEPT / args.moves.stem  # this release's: another's stays as its own stage left it
    if args.stage == "before":
        shutil.rmtree(project / folder, ignore_errors=True)
        kept = keep(project, moves, folder)
        print(f"migration: kept {len(kept)} file(s) that move, to carry their edits")
        return 0
    if not (args.template and args.from_version):
        print("error: after needs --template and --from-version", file=sys.stderr)
        return 1
    if not (project / folder).is_dir():
        return 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base"
            render_base(args.template, args.from_version, answers(project), base)
            for line in merge(project, base, moves, folder):
                print(f"migration: {line}")
    finally:
        shutil.rmtree(project / folder, ignore_errors=True)
        if (project / KEPT).is_dir() and not any((project / KEPT).iterdir()):
            (project / KEPT).rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
