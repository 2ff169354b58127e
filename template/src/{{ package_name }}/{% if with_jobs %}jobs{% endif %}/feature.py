"""The jobs layer's feature: the jobs API, the worker command and the jobs' table.

Not a folder of ``features/``: the use cases that queue jobs (``submission.py``) build on
this layer, which the composition root finds (``composition.LAYER_FEATURES``).
"""

from __future__ import annotations

from pathlib import Path

from ..core.feature import Command, Feature, Process
from ..llm.services import Services
from . import routes
from .records import RETENTION
from .settings import JobSettings

HERE = Path(__file__).parent


def worker(process: Process[Services]) -> int:
    """``<slug> worker``: consume the queue until SIGTERM."""
    from .worker import work  # start-up cost: redis and taskiq (~1 s) only in the worker

    return work(process)


feature: Feature[Services] = Feature(
    name="jobs",
    routers=[routes.router],
    commands={"worker": Command(help="run a worker process: it runs the queued jobs", run=worker)},
    settings=[JobSettings],
    migrations=HERE / "migrations",
    web=HERE / "web",
    production_needs={
        "redis_url": "without Redis, jobs run inside the web process and are lost with it",
    },
    retention=[RETENTION],
    lifespan=routes.lifespan,
    document=routes.document,
)
