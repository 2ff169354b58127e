"""Owners for tests that share a database: names of their own, so rows never mix."""

from __future__ import annotations

import uuid

# Keys as ``API_KEYS`` wants them: at least 16 printable ASCII characters.
A1, A2, B1 = "a1-key-0123456789", "a2-key-0123456789", "b1-key-0123456789"


def two_owners() -> str:
    """``API_KEYS`` for two owners: the first with two keys (A1, A2: a rotation), then B1."""
    first, second = (f"owner-{uuid.uuid4().hex[:8]}" for _ in range(2))
    return f"{first}:{A1},{first}:{A2},{second}:{B1}"


# ``API_KEYS`` values that break a rule, and what the refusal says (by position, never text).
GOOD = "Good-Key-0123456789"
SECRET = "Secret-Value-0123"
BAD_API_KEYS: dict[str, tuple[str, str]] = {
    "unset variables' empty keys": (
        "alice:,bob: ",
        "entry 1: the key after ':' is empty; entry 2: the key after ':' is empty",
    ),
    "a 65-character name": (
        f"{'n' * 65}:{SECRET}",
        "entry 1: the name before ':' is longer than 64 characters",
    ),
    "the reserved name anonymous": (
        f"ops:{GOOD},anonymous:{SECRET}",
        "entry 2: the name 'anonymous' is reserved",
    ),
    "a bare key holding ':'": (
        f"{GOOD},Zm9vYmFy:c2VjcmV0",
        "entry 2: the key after ':' is shorter than 16 characters",
    ),
    "a non-ASCII key": (
        "clé-secrète-0123456789",
        "entry 1: the key has a space or a character that is not printable ASCII",
    ),
    "a 15-character key": ("Fifteen-chars-k", "entry 1: the key is shorter than 16 characters"),
    "a key with a space": (
        f"ops:{GOOD}, ops: {SECRET}",
        "entry 2: the key after ':' has a space or a character that is not printable ASCII",
    ),
    "empty entries": (f"{GOOD},,", "entry 2: it is empty; entry 3: it is empty"),
    "one key twice": (f"a:{SECRET},b:{SECRET}", "entry 2: the same key as entry 1"),
    "a bare key's owner as a name": (
        f"key-0123456789abcdef:{SECRET}",
        "entry 1: a name of the form key-<16 hex digits> is reserved",
    ),
}


def secret_parts(setting: str) -> list[str]:
    """The text of each entry, name and key, that a refusal must not print."""
    parts = [part.strip() for entry in setting.split(",") for part in entry.split(":")]
    return [part for part in parts if len(part) >= 6 and part != "anonymous"]
