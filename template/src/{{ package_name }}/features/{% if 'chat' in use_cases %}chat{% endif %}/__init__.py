"""Chat: a conversation API (``POST /v1/chat``), with its history and streaming."""

from __future__ import annotations

from pathlib import Path

from ...core.feature import Feature
from ...llm.services import Services
from . import evals, records, routes
from .settings import ChatSettings

feature: Feature[Services] = Feature(
    name="chat",
    routers=[routes.router],
    web=Path(__file__).parent / "web",
    prompts=Path(__file__).parent / "prompts",
    evals=evals.use_case,
    settings=[ChatSettings],
    migrations=Path(__file__).parent / "migrations",
    retention=[records.RETENTION, records.UNFINISHED_RETENTION],
    usage=[records.USAGE, records.UNFINISHED_USAGE],
)
