"""Analyze: upload CSV or JSON datasets, then ask questions about them, run as jobs."""

from __future__ import annotations

from pathlib import Path

from .. import Feature, FeatureSpec
from . import job, records, routes
from .settings import AnalyzeSettings

feature: Feature = FeatureSpec(
    name="analyze",
    routers=[routes.router],
    tasks={job.KIND: job.run},
    settings=[AnalyzeSettings],
    migrations=Path(__file__).parent / "migrations",
    retention=[records.RETENTION],
    usage=[records.USAGE],
    on_document=routes.document,
)
