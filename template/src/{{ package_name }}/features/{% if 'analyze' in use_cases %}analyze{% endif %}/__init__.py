"""Analyze: upload CSV or JSON datasets, then ask questions about them, run as jobs."""

from __future__ import annotations

from pathlib import Path

from ...core.feature import Feature
from ...llm.services import Services
from . import evals, job, records, routes
from .settings import AnalyzeSettings

feature: Feature[Services] = Feature(
    name="analyze",
    routers=[routes.router],
    web=Path(__file__).parent / "web",
    prompts=Path(__file__).parent / "prompts",
    evals=evals.use_case,
    tasks={job.KIND: job.run},
    settings=[AnalyzeSettings],
    migrations=Path(__file__).parent / "migrations",
    retention=[records.RETENTION],
    usage=[records.USAGE],
    document=routes.document,
)
