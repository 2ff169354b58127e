"""Tenants: every stored row belongs to the owner of the API key that created it.

``API_KEYS`` is a comma-separated list of entries, each ``name:key`` (split at the first
``:``) or a bare ``key``. A key is at least 16 printable ASCII characters, no space; a name
is 1 to 64 of ``A-Z a-z 0-9 . _ -``. A named key's owner is its name, so two keys with one
name (a rotation) share their data, and logs show the name. A bare key's owner is a digest
of it (``key-`` and 16 hex digits): the key itself is never stored or logged. Without
``API_KEYS`` (development) every caller is one owner, ``anonymous``, which is also the owner
of rows stored before owners existed: that name, and the digests' form, are reserved.

An entry that breaks a rule is refused, by its position (from 1) and never its text: the
settings check ``API_KEYS`` with ``parse`` and every process refuses to start (exit 78).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

ANONYMOUS = "anonymous"
MAX_NAME_LENGTH = 64
MIN_KEY_LENGTH = 16
NAME = re.compile(r"[A-Za-z0-9._-]+")
DIGEST = re.compile(r"key-[0-9a-f]{16}")
RULES = (
    "each entry is name:key or a bare key; a key is at least 16 printable ASCII characters"
    " without spaces, a name 1 to 64 of A-Z a-z 0-9 . _ -"
)


def key_digest(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _name_problem(name: str) -> str | None:
    if not name:
        return "the name before ':' is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name before ':' is longer than {MAX_NAME_LENGTH} characters"
    if not NAME.fullmatch(name):
        return "the name before ':' has a character other than A-Z a-z 0-9 . _ -"
    if name == ANONYMOUS:
        return f"the name {ANONYMOUS!r} is reserved (the owner when API_KEYS is unset)"
    if DIGEST.fullmatch(name):
        return "a name of the form key-<16 hex digits> is reserved (a bare key's owner)"
    return None


def _key_problem(key: str, named: bool) -> str | None:
    where = "the key after ':'" if named else "the key"
    if not key:
        return f"{where} is empty"
    if not all("!" <= character <= "~" for character in key):
        return f"{where} has a space or a character that is not printable ASCII"
    if len(key) < MIN_KEY_LENGTH:
        return f"{where} is shorter than {MIN_KEY_LENGTH} characters"
    return None


def _entry(entry: str) -> tuple[str, str]:
    """(key, owner) of one entry; ValueError names the rule it breaks, never its text."""
    if not entry:
        raise ValueError("it is empty")
    name, separator, key = entry.partition(":")
    named = bool(separator)
    problem = (_name_problem(name) if named else None) or _key_problem(
        key if named else entry, named
    )
    if problem:
        raise ValueError(problem)
    return (key, name) if named else (entry, key_digest(entry))


@dataclass(frozen=True)
class ApiKeys:
    """The accepted keys and whom each belongs to; empty when ``API_KEYS`` is unset."""

    owners: tuple[tuple[bytes, str], ...] = ()

    @classmethod
    def parse(cls, setting: str | None) -> ApiKeys:
        """The keys of ``setting``; ValueError names every bad entry by its position."""
        if setting is None:
            return cls()
        owners: list[tuple[bytes, str]] = []
        problems: list[str] = []
        seen: dict[str, int] = {}
        for position, entry in enumerate(setting.split(","), start=1):
            try:
                key, owner = _entry(entry.strip())
            except ValueError as exc:
                problems.append(f"entry {position}: {exc}")
                continue
            if key in seen:
                problems.append(f"entry {position}: the same key as entry {seen[key]}")
            seen.setdefault(key, position)
            owners.append((key.encode(), owner))
        if problems:
            raise ValueError("; ".join(problems) + f" ({RULES})")
        return cls(tuple(owners))

    def __bool__(self) -> bool:
        return bool(self.owners)

    def owner_of(self, token: str) -> str | None:
        """The owner of ``token``, compared in constant time with every key; None if unknown."""
        found = None
        for key, owner in self.owners:
            if hmac.compare_digest(token.encode(), key):
                found = owner
        return found
