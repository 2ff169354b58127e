"""Error text that a client or a log will see: short, and never repeating a secret."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import SecretStr

from .settings import Settings

MESSAGE_LIMIT = 300  # characters: enough to name a fault, never a whole response body


def secret_values(settings: Settings) -> list[str]:
    """The values of every secret setting (API keys, URLs with passwords...)."""
    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]


def safe_message(text: str, secrets: Iterable[str], limit: int = MESSAGE_LIMIT) -> str:
    """``text`` on one line, secrets replaced, cut to ``limit`` characters."""
    for secret in secrets:  # before shortening: no part of a secret survives
        if secret:
            text = text.replace(secret, "[redacted]")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
