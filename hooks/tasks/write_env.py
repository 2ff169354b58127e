"""Post-generation hook: create ``.env`` from ``.env.example`` when ``.env`` is missing.

It never overwrites an existing ``.env``, on copy or on update.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main(project: Path) -> int:
    env, example = project / ".env", project / ".env.example"
    if env.exists():
        print(".env exists: left as it is")
    elif not example.exists():
        print(".env.example is missing: no .env written")
    else:
        shutil.copyfile(example, env)
        print("wrote .env from .env.example (local development only; it is git-ignored)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
