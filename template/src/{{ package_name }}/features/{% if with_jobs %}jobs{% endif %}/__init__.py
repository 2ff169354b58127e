"""The jobs API: follow, list and cancel the jobs that the use cases queue."""

from __future__ import annotations

from pathlib import Path

from ... import jobs
from ...jobs.records import RETENTION
from ...jobs.settings import JobSettings
from .. import Feature, FeatureSpec
from . import routes

feature: Feature = FeatureSpec(
    name="jobs",
    routers=[routes.router],
    settings=[JobSettings],
    migrations=Path(jobs.__file__).parent / "migrations",
    production_needs={
        "redis_url": "without Redis, jobs run inside the web process and are lost with it",
    },
    retention=[RETENTION],
    on_lifespan=routes.lifespan,
    on_document=routes.document,
)
