"""The page to try the service: ``GET /``, one tab per use case the project has."""

from __future__ import annotations

from pathlib import Path

from ...core.feature import Feature
from ...llm.services import Services
from . import routes
from .settings import PageSettings

feature: Feature[Services] = Feature(
    name="page",
    routers=[routes.router],
    web=Path(__file__).parent / "web",
    settings=[PageSettings],
    lifespan=routes.lifespan,
)
