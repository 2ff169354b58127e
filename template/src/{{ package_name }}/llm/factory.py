"""Build the configured provider, importing only that provider's SDK, and only now."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pydantic import SecretStr

from ..settings import Settings
from .base import Provider
from .cache import LLMCache
from .logged import LoggedProvider


def secret_values(settings: Settings) -> list[str]:
    """The values of every secret setting: no provider error message may repeat one."""
    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]


def build_provider(settings: Settings, cache: LLMCache | None = None) -> LoggedProvider:
    module = importlib.import_module(f"{__package__}.providers.{settings.llm_provider}")
    build: Callable[[Settings], Provider] = module.build
    return LoggedProvider(
        build(settings), cache, settings.llm_cache_streaming, secret_values(settings)
    )
