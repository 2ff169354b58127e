"""Build the configured provider, importing only that provider's SDK, and only now."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..redaction import Redactor, secret_values
from ..settings import Settings
from .base import Provider
from .cache import LLMCache
from .logged import LoggedProvider


def build_provider(settings: Settings, cache: LLMCache | None = None) -> LoggedProvider:
    module = importlib.import_module(f"{__package__}.providers.{settings.llm_provider}")
    build: Callable[[Settings], Provider] = module.build
    redactor = Redactor(secret_values(dict(settings)))  # no secret in a provider's errors
    return LoggedProvider(build(settings), cache, settings.llm_cache_streaming, redactor)
