"""The settings of background jobs and the worker, read from the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from ..core.settings import ENVIRONMENT


class JobSettings(BaseSettings):
    model_config = ENVIRONMENT

    worker_concurrency: int = Field(default=4, ge=1, le=1000)
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    job_retry_backoff_s: float = Field(default=1.0, ge=0, le=600)
    job_redelivery_s: float = Field(default=300.0, gt=0)
    # Event streams (GET /v1/jobs/{id}/events) one owner may have open at once, across every
    # web process when Redis is set (else in each process): the next one is 429.
    event_streams_per_owner: int = Field(default=10, ge=1, le=10_000)
    # The worker's own health endpoint (GET /healthz on this port): 0 = none.
    worker_health_port: int = Field(default=0, ge=0, le=65535)
