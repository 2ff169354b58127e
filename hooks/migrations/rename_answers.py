"""Migration hook: rename or remove answers in ``.copier-answers.yml`` before an update.

Run by ``_migrations`` at the ``before`` stage, so that Copier reads the answers under their
new names: ``--rename old=new`` keeps the user's value under the new name, ``--remove key``
drops an answer the template no longer asks. The file keeps its comments and layout; a key
that is not there is left alone, so running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):")


def _entries(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """Group lines by top-level key: a key line with its indented or list continuation."""
    entries: list[tuple[str | None, list[str]]] = []
    for line in lines:
        match = TOP_LEVEL_KEY.match(line)
        if match or not entries or not line.startswith((" ", "-")):
            entries.append((match.group(1) if match else None, [line]))
        else:
            entries[-1][1].append(line)
    return entries


def migrate(text: str, renames: dict[str, str], removals: set[str]) -> tuple[str, list[str]]:
    """The migrated text, and a line per change made."""
    entries = _entries(text.splitlines(keepends=True))
    present = {key for key, _ in entries if key}
    out: list[str] = []
    changes: list[str] = []
    for key, lines in entries:
        if key in removals:
            changes.append(f"removed answer {key}")
            continue
        if key in renames:
            new = renames[key]
            if new in present:
                changes.append(f"kept answer {new}; dropped the old {key}")
                continue
            lines = [lines[0].replace(f"{key}:", f"{new}:", 1), *lines[1:]]
            changes.append(f"renamed answer {key} to {new}")
        out.extend(lines)
    return "".join(out), changes


def _pair(value: str) -> tuple[str, str]:
    old, sep, new = value.partition("=")
    if not (sep and TOP_LEVEL_KEY.match(f"{old}:") and TOP_LEVEL_KEY.match(f"{new}:")):
        raise argparse.ArgumentTypeError(f"expected OLD=NEW answer names, got {value!r}")
    return old, new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers-file", type=Path, default=Path(".copier-answers.yml"))
    parser.add_argument("--rename", type=_pair, action="append", default=[], metavar="OLD=NEW")
    parser.add_argument("--remove", action="append", default=[], metavar="KEY")
    args = parser.parse_args(argv)
    if not args.answers_file.exists():
        print(f"error: {args.answers_file} not found: run this from the project", file=sys.stderr)
        return 1
    text, changes = migrate(args.answers_file.read_text(), dict(args.rename), set(args.remove))
    args.answers_file.write_text(text)
    for change in changes:
        print(f"migration: {change}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
