"""Chat: a conversation API (``POST /v1/chat``), with its history and streaming."""

from __future__ import annotations

from pathlib import Path

from .. import Feature, FeatureSpec
from . import records, routes
from .settings import ChatSettings

feature: Feature = FeatureSpec(
    name="chat",
    routers=[routes.router],
    settings=[ChatSettings],
    migrations=Path(__file__).parent / "migrations",
    retention=[records.RETENTION, records.UNFINISHED_RETENTION],
    usage=[records.USAGE, records.UNFINISHED_USAGE],
)
