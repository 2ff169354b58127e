"""The post-generation hooks in one process: ``.env``, ``uv.lock``, then the first commit.

Copier starts a Python process for each ``_tasks`` entry (30-60 ms each): the three hooks
run from this one entry instead. Each is its own module beside this one, with its own
``main`` and unit tests. The order matters: the first commit holds ``uv.lock``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The hooks beside this file (a script's folder is on sys.path, but not when it is imported).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import git_init
import lock_dependencies
import write_env


def main(project: Path, operation: str, author_name: str, author_email: str) -> int:
    return max(
        write_env.main(project),
        lock_dependencies.main(project),
        git_init.main(project, operation, author_name, author_email),
    )


if __name__ == "__main__":
    args = git_init.parse_args()
    sys.exit(main(Path.cwd(), args.operation, args.author_name, args.author_email))
