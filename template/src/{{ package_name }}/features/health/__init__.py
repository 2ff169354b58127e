"""Health: liveness and readiness probes for the platform."""

from __future__ import annotations

from ...core.feature import Feature
from ...llm.services import Services
from . import routes

feature: Feature[Services] = Feature(
    name="health", routers=[routes.router], lifespan=routes.lifespan
)
