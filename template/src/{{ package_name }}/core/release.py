"""Release identity (factor V): which build of the code a process runs.

A build stamps the release into the environment: the Dockerfile turns its build arguments
``RELEASE_VERSION``, ``RELEASE_COMMIT`` and ``RELEASE_BUILT_AT`` into variables of the image.
Without a stamp, the version is the installed package's and the commit is asked of git when
the code runs from a checkout. Every log line, ``/healthz``, ``--version`` and
``admin release-info`` report the same release.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

COMMIT = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass(frozen=True)
class Release:
    version: str
    commit: str | None
    built_at: str | None
    source: Literal["build", "checkout", "installed"]
    """Where the stamp came from: the build's environment, git, or the package alone."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def current() -> Release:
    """This process's release, read once."""
    version = os.environ.get("RELEASE_VERSION") or _installed_version()
    commit = os.environ.get("RELEASE_COMMIT") or None
    built_at = os.environ.get("RELEASE_BUILT_AT") or None
    if commit or built_at:
        return Release(version, commit, built_at, "build")
    commit = _checkout_commit()
    return Release(version, commit, None, "checkout" if commit else "installed")


def _installed_version() -> str:
    package = (__package__ or "").partition(".")[0]
    try:
        return metadata.version(package)  # the distribution's name, normalized, is the package's
    except metadata.PackageNotFoundError:
        pass
    for distribution in metadata.packages_distributions().get(package, []):  # slower: a scan
        return metadata.version(distribution)
    return "0+unknown"


def _checkout_commit() -> str | None:
    """The commit checked out where this code lives; None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and COMMIT.match(commit) else None
