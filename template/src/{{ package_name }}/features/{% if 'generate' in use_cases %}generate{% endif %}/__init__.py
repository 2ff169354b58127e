"""Generate: content from versioned prompt templates (``prompts/``), run as jobs."""

from __future__ import annotations

from .. import Feature, FeatureSpec
from . import job, routes

feature: Feature = FeatureSpec(name="generate", routers=[routes.router], tasks={job.KIND: job.run})
