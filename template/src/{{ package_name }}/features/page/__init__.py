"""The page to try the service: ``GET /``, one tab per use case the project has."""

from __future__ import annotations

from .. import Feature, FeatureSpec
from . import routes
from .settings import PageSettings

feature: Feature = FeatureSpec(name="page", routers=[routes.router], settings=[PageSettings])
