"""Whether the service serves its try-it page at ``/``."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from ...core.settings import ENVIRONMENT, Settings, outside_production


class PageSettings(BaseSettings):
    model_config = ENVIRONMENT

    # Unset: on in development, off when APP_ENV=production.
    page_enabled: bool | None = None

    def enabled(self, settings: Settings) -> bool:
        return outside_production(self.page_enabled, settings)
