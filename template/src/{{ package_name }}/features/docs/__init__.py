"""The API reference pages: Swagger UI at ``/docs``, ReDoc at ``/redoc`` (``DOCS_ENABLED``)."""

from __future__ import annotations

from ...core.feature import Feature
from ...llm.services import Services
from . import routes
from .settings import DocsSettings

feature: Feature[Services] = Feature(name="docs", routers=[routes.router], settings=[DocsSettings])
