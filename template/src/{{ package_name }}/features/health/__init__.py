"""Health: liveness and readiness probes for the platform."""

from __future__ import annotations

from .. import Feature, FeatureSpec
from . import routes

feature: Feature = FeatureSpec(name="health", routers=[routes.router])
