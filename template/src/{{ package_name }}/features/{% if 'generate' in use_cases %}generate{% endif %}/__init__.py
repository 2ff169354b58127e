"""Generate: content from versioned prompt templates (``prompts/``), run as jobs."""

from __future__ import annotations

from ...jobs.records import job_usage
from .. import Feature, FeatureSpec
from . import job, routes

feature: Feature = FeatureSpec(
    name="generate",
    routers=[routes.router],
    tasks={job.KIND: job.run},
    usage=[job_usage(job.KIND)],
)
