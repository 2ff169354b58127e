"""Generate: content from versioned prompt templates (``prompts/``), run as jobs."""

from __future__ import annotations

from pathlib import Path

from ...core.feature import Feature
from ...jobs.records import job_usage
from ...llm.services import Services
from . import evals, job, routes

feature: Feature[Services] = Feature(
    name="generate",
    routers=[routes.router],
    web=Path(__file__).parent / "web",
    prompts=Path(__file__).parent / "prompts",
    evals=evals.use_case,
    tasks={job.KIND: job.run},
    usage=[job_usage(job.KIND)],
)
