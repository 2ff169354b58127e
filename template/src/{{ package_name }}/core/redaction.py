"""Keep secrets out of every line the service writes: logs, error bodies, admin output.

Two rules, applied to any text: a URL's password is masked (``redis://:***@host``), and
every configured secret value (API keys, provider keys, passwords in URLs) is replaced by
``***`` wherever it appears, whatever printed it: an exception message, a library's log.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import SecretStr

MASK = "***"
# scheme://user:password@host -> scheme://user:***@host
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]+@")
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words
# Strings shaped like API keys (``sk-...``, ``sk-ant-...``, a bearer token): text from outside
# the service, such as a provider's error, may quote a key the service was never told of.
_KEY_LIKE = re.compile(r"\b(?:sk|rk|pk)[-_][A-Za-z0-9_*.-]{8,}|(?<=Bearer )[^\s,;]{8,}")


def url_passwords(url: str) -> list[str]:
    """The password of every ``scheme://user:password@host`` in ``url``."""
    return [m.group(0)[len(m.group("head")) : -1] for m in _URL_PASSWORD.finditer(url)]


class Redactor:
    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets: list[str] = []
        self.add(secrets or [])

    def add(self, secrets: list[str]) -> None:
        found = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        # Longest first, so a key that contains another is masked whole.
        self.secrets = sorted(found | set(self.secrets), key=len, reverse=True)

    def text(self, text: str) -> str:
        text = _URL_PASSWORD.sub(rf"\g<head>{MASK}@", text)
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def value(self, value: Any) -> Any:
        """Redact every string inside ``value`` (dicts, lists and tuples are walked)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value


def key_like(text: str) -> str:
    """``text`` with every string shaped like an API key masked (``sk-...`` -> ``***``)."""
    return _KEY_LIKE.sub(MASK, text)


def secret_values(fields: dict[str, Any]) -> list[str]:
    """The secret strings among settings values: URL passwords, keys, lists of keys.

    A ``SecretStr`` that is a URL contributes its password; any other contributes each of
    its comma-separated entries, without a ``name:`` in front (as ``API_KEYS`` has them).
    """
    found: list[str] = []
    for value in fields.values():
        if not isinstance(value, SecretStr):
            continue
        raw = value.get_secret_value()
        if "://" in raw:
            found += url_passwords(raw)
            continue
        for entry in raw.split(","):
            name, separator, key = entry.strip().partition(":")
            found.append(key if separator else name)
    return found


# The process's redactor: ``configure_logging`` fills it with the configured secrets.
REDACTOR = Redactor()
