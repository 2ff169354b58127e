"""``admin prompts``: every feature's prompts, and a check that none changed unversioned.

A prompt is a file ``features/<feature>/prompts/<name>.md``, named ``<feature>/<name>``.
Its fingerprint is the sha256 of what the model gets and what describes it: the body as the
service reads it (line endings normalized, blank lines around it stripped), after every front
matter line but ``version`` (``key: value``, sorted by key). Any change to those needs a new
``version``; a change of the version alone needs none.

The project's ``prompts.lock`` (committed, at its root) holds each prompt's version and
fingerprint. ``admin prompts`` logs one ``admin.prompts.prompt`` event per prompt and fails,
naming them, when a prompt changed but kept its version, or when the lock is not up to date
(a prompt missing from it, or one it names gone). ``admin prompts --lock`` rewrites the lock,
and refuses to when a prompt changed but kept its version.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import structlog

from ..composition import discover
from ..core.settings import Settings
from ..llm.prompts import parse
from .task import AdminError, AdminTask

log = structlog.get_logger(__name__)
LOCK_FILE = "prompts.lock"
HEADER = """\
# The version and fingerprint of every prompt: written by `admin prompts --lock`, committed.
# `admin prompts` (CI runs it) fails when a prompt changed but its version did not.
"""


@dataclass(frozen=True)
class Locked:
    version: str
    sha256: str


@dataclass(frozen=True)
class PromptFile:
    name: str
    feature: str
    version: str
    sha256: str


def fingerprint(source: str, name: str) -> tuple[str, str]:
    """The prompt's version and the sha256 of everything else that it is."""
    prompt, meta = parse(source, name)
    described = [f"{key}: {value}" for key, value in sorted(meta.items()) if key != "version"]
    canonical = "\n".join([*described, "---", prompt.text])
    return prompt.version, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def prompt_files() -> list[PromptFile]:
    """Every ``.md`` file in a feature's ``prompts`` folder, by name."""
    found: list[PromptFile] = []
    for feature in discover():
        folder = feature.prompts
        if folder is None or not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name.endswith(".md"):
                name = f"{feature.name}/{entry.name.removesuffix('.md')}"
                try:
                    version, sha256 = fingerprint(entry.read_text("utf-8"), name)
                except ValueError as exc:
                    raise AdminError(str(exc)) from None
                found.append(PromptFile(name, feature.name, version, sha256))
    return sorted(found, key=lambda prompt: prompt.name)


def read_lock(path: Path) -> dict[str, Locked]:
    """The lock's entries by prompt name; AdminError when it is missing or malformed."""
    if not path.is_file():
        raise AdminError(
            f"{path} does not exist: run `admin prompts --lock` in the project root, commit it"
        )
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return {name: Locked(str(e["version"]), str(e["sha256"])) for name, e in data.items()}
    except (tomllib.TOMLDecodeError, TypeError, KeyError) as exc:
        raise AdminError(
            f"{path} is not a prompts lock ({type(exc).__name__}: {exc}):"
            " rewrite it with `admin prompts --lock`"
        ) from None


def render_lock(prompts: list[PromptFile]) -> str:
    """The lock's text: a TOML table per prompt, by name, so that a diff shows one prompt."""
    tables = [
        f"\n[{json.dumps(p.name)}]\n"
        f"version = {json.dumps(p.version)}\n"
        f"sha256 = {json.dumps(p.sha256)}\n"
        for p in prompts
    ]
    return HEADER + "".join(tables)


def unversioned_change(prompt: PromptFile, locked: Locked | None) -> str | None:
    if locked is None or locked.version != prompt.version or locked.sha256 == prompt.sha256:
        return None
    return (
        f"prompt {prompt.name!r} changed but its version is still {prompt.version!r}:"
        " give it a new version in its front matter, then run `admin prompts --lock`"
    )


def problems(prompts: list[PromptFile], lock: dict[str, Locked]) -> dict[str, str]:
    """What is wrong, by prompt name: nothing when the lock matches every prompt."""
    found: dict[str, str] = {}
    for prompt in prompts:
        locked = lock.get(prompt.name)
        if locked is None:
            found[prompt.name] = (
                f"prompt {prompt.name!r} is not in {LOCK_FILE}:"
                " run `admin prompts --lock` and commit the lock"
            )
        elif problem := unversioned_change(prompt, locked):
            found[prompt.name] = problem
        elif locked.version != prompt.version:
            found[prompt.name] = (
                f"prompt {prompt.name!r} is at version {prompt.version!r}, {LOCK_FILE} has"
                f" {locked.version!r}: run `admin prompts --lock` and commit the lock"
            )
    names = {prompt.name for prompt in prompts}
    for name in sorted(set(lock) - names):
        found[name] = (
            f"{LOCK_FILE} names prompt {name!r}, which no longer exists:"
            " run `admin prompts --lock` to drop it, and commit the lock"
        )
    return found


def _log_prompt(prompt: PromptFile, locked: bool) -> None:
    log.info(
        "admin.prompts.prompt",
        prompt=prompt.name,
        feature=prompt.feature,
        prompt_version=prompt.version,
        sha256=prompt.sha256,
        locked=locked,
    )


def _check(prompts: list[PromptFile], path: Path) -> int:
    lock = read_lock(path)
    found = problems(prompts, lock)
    for prompt in prompts:
        _log_prompt(prompt, locked=prompt.name not in found)
    if found:
        raise AdminError("; ".join(found.values()))
    log.info("admin.prompts.done", prompts=len(prompts), lock=str(path))
    return 0


def _lock(prompts: list[PromptFile], path: Path) -> int:
    previous = read_lock(path) if path.is_file() else {}
    refused = [p for p in prompts if unversioned_change(p, previous.get(p.name))]
    if refused:
        changes = [unversioned_change(p, previous[p.name]) for p in refused]
        raise AdminError(f"{path} not written: " + "; ".join(filter(None, changes)))
    text = render_lock(prompts)
    changed = not path.is_file() or path.read_text("utf-8") != text
    if changed:
        path.write_text(text, "utf-8")
    for prompt in prompts:
        _log_prompt(prompt, locked=True)
    log.info("admin.prompts.locked", prompts=len(prompts), lock=str(path), changed=changed)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lock",
        action="store_true",
        help=f"write {LOCK_FILE}: every prompt's version and fingerprint",
    )
    parser.add_argument(
        "--lock-file",
        type=Path,
        default=Path(LOCK_FILE),
        metavar="PATH",
        help=f"the lock to check or write (default: ./{LOCK_FILE}, the project root's)",
    )


def _run(settings: Settings, args: argparse.Namespace) -> int:
    prompts = prompt_files()
    return (_lock if args.lock else _check)(prompts, args.lock_file)


task = AdminTask(
    "list the prompts; fail if one changed without a new version (--lock: write prompts.lock)",
    _run,
    _arguments,
)
