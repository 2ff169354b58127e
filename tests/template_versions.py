"""Throwaway git copies of the template with two tagged versions, for the update tests.

``make_template_repo``: ``v0.1.0`` is the template as it is. ``v0.2.0`` does what real releases
do: it renames an answer (``author_email`` becomes ``maintainer_email``), moves a file
(``Dockerfile`` to ``deploy/Dockerfile``) and changes a generated module, with ``_migrations``
that carry the user's project across.

``make_release_repo``: a release as released, from the commit ``releases.toml`` records (the
last one by default), then the template as it is now, tagged ``NOW``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tooling import releases
from tooling.env import ROOT

from .conftest import TEMPLATE_PATHS

GIT_IDENTITY = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
SERVER = "template/src/{{ package_name }}/server.py"
OLD_SERVER_LINE = (
    '"""Port binding (factor VII) and disposability (factor IX): uvicorn, run in-process.'
)
NEW_SERVER_LINE = '"""Port binding (factor VII) and disposability (factor IX): uvicorn in-process.'
# Added to the template's own ``_migrations`` list.
MIGRATIONS = """
  - version: v0.2.0
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}",
              "{{ _copier_conf.src_path }}/hooks/migrations/rename_answers.py",
              "--rename", "author_email=maintainer_email"]
  - version: v0.2.0
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}",
              "{{ _copier_conf.src_path }}/hooks/migrations/move_paths.py",
              "--move", "Dockerfile", "deploy/Dockerfile"]
"""


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def release_v2(repo: Path) -> None:
    """Turn the checkout at ``v0.1.0`` into ``v0.2.0``."""
    for path in [repo / "copier.yml", *(repo / "template").rglob("*")]:
        if path.is_file() and "author_email" in path.read_text():
            path.write_text(path.read_text().replace("author_email", "maintainer_email"))
    (repo / "template" / "deploy").mkdir(exist_ok=True)
    shutil.move(repo / "template" / "Dockerfile.jinja", repo / "template" / "deploy")
    _replace(repo / SERVER, OLD_SERVER_LINE, NEW_SERVER_LINE)
    _replace(repo / "copier.yml", "\n_migrations:", "\n_migrations:" + MIGRATIONS.rstrip())


def make_template_repo(dest: Path) -> Path:
    """The template in a new git repository at ``dest``, tagged ``v0.1.0`` and ``v0.2.0``."""
    dest.mkdir(parents=True)
    for name in TEMPLATE_PATHS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, dest / name, ignore=ignore)
        else:
            shutil.copy(ROOT / name, dest / name)
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "-m", "v0.1.0")
    git(dest, "tag", "v0.1.0")
    release_v2(dest)
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "-m", "v0.2.0")
    git(dest, "tag", "v0.2.0")
    return dest


# The newest release in the record (releases.toml: git tags do not survive a submission), and
# the version the update tests give the template as it is now: the next minor one.
LAST_RELEASE = releases.last()
_last = releases.version_of(LAST_RELEASE[0])
NOW = f"v{_last.major}.{_last.minor + 1}.0"


def archive_release(version: str, dest: Path) -> Path:
    """The template's files (copier.yml, template/, ...) at ``version``'s recorded commit."""
    commit = releases.load()[version]
    if not releases.has_commit(ROOT, commit):
        raise AssertionError(releases.missing_commit(ROOT, version, commit))
    tree = subprocess.run(
        ["git", "ls-tree", "--name-only", commit],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    names = [name for name in TEMPLATE_PATHS if name in tree]  # includes/ came after v0.1.0
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, *names],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def make_release_repo(dest: Path, version: str = LAST_RELEASE[0]) -> Path:
    """A recorded release as released, tagged ``version``, then the template as it is now,
    tagged ``NOW``."""
    archive_release(version, dest)
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "-m", version)
    git(dest, "tag", version)
    git(dest, "rm", "-r", "--quiet", ".")
    for name in TEMPLATE_PATHS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, dest / name)
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "-m", NOW)
    git(dest, "tag", NOW)
    return dest
