"""The API reference pages: Swagger UI at ``/docs``, ReDoc at ``/redoc`` (``DOCS_ENABLED``)."""

from __future__ import annotations

from .. import Feature, FeatureSpec
from . import routes
from .settings import DocsSettings

feature: Feature = FeatureSpec(name="docs", routers=[routes.router], settings=[DocsSettings])
