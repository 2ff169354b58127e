"""Tenants: every stored row belongs to the owner of the API key that created it.

``API_KEYS`` is a comma-separated list of ``key`` or ``name:key`` entries. A named key's
owner is its name, so two keys with one name (a rotation) share their data, and logs show
the name. A bare key's owner is a digest of it (``key-`` and 16 hex digits): the key itself
is never stored or logged. Without ``API_KEYS`` (development) every caller is one owner,
``anonymous``, which is also the owner of rows stored before owners existed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

ANONYMOUS = "anonymous"
MAX_NAME_LENGTH = 64


def key_digest(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ApiKeys:
    """The accepted keys and whom each belongs to; empty when ``API_KEYS`` is unset."""

    owners: tuple[tuple[bytes, str], ...] = ()

    @classmethod
    def parse(cls, setting: str | None) -> ApiKeys:
        owners = []
        for entry in (setting or "").split(","):
            name, separator, key = entry.strip().partition(":")
            name, key = (name.strip(), key.strip()) if separator else ("", name)
            if key:
                owners.append((key.encode(), name[:MAX_NAME_LENGTH] or key_digest(key)))
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
