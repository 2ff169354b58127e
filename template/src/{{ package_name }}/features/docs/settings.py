"""Whether the service serves its API reference pages, ``/docs`` and ``/redoc``."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from ...core.settings import ENVIRONMENT, Settings, outside_production


class DocsSettings(BaseSettings):
    model_config = ENVIRONMENT

    # Unset: on in development, off when APP_ENV=production.
    docs_enabled: bool | None = None

    def enabled(self, settings: Settings) -> bool:
        return outside_production(self.docs_enabled, settings)
