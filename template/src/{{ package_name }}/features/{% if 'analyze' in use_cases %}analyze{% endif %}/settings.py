"""The limits of an uploaded dataset, read from the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from ...core.settings import ENVIRONMENT


class AnalyzeSettings(BaseSettings):
    model_config = ENVIRONMENT

    dataset_max_bytes: int = Field(default=10_000_000, ge=1)
    dataset_max_rows: int = Field(default=100_000, ge=1)
    dataset_max_columns: int = Field(default=200, ge=1)
