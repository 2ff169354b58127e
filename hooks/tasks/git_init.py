"""Post-generation hook: ``git init`` and a first commit, on ``copier copy`` only.

It does nothing on update, when git is missing, or when the project is already inside a
git repository (the user's own, which it never commits to).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

MESSAGE = "Initial commit from the twelve-factor-llm template"


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)


def main(project: Path, operation: str, author_name: str, author_email: str) -> int:
    if operation != "copy":
        return 0
    if shutil.which("git") is None:
        print("notice: git not found; the project is not a repository yet")
        return 0
    if _git(project, "rev-parse", "--is-inside-work-tree").returncode == 0:
        print("the project is inside an existing git repository: no commit made")
        return 0
    identity: list[str] = []
    if not _git(project, "config", "user.email").stdout.strip():
        identity = ["-c", f"user.name={author_name}", "-c", f"user.email={author_email}"]
    steps = [
        ["init", "--quiet"],
        ["add", "--all"],
        [*identity, "commit", "--quiet", "--no-verify", "-m", MESSAGE],
    ]
    for step in steps:
        result = _git(project, *step)
        if result.returncode != 0:
            print(f"notice: `git {' '.join(step)}` failed: {result.stderr.strip()}")
            return 0
    print("initialised a git repository with a first commit")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operation", required=True, help="copy or update (_copier_operation)")
    parser.add_argument("--author-name", default="")
    parser.add_argument("--author-email", default="")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    sys.exit(main(Path.cwd(), args.operation, args.author_name, args.author_email))
