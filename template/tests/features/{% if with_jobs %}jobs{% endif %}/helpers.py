"""Jobs in tests: how each use case starts one, and waiting for one to end."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


@dataclass(frozen=True)
class JobProbe:
    """How to start a job of a use case: through the API, or straight in the job store."""

    kind: str
    start: Callable[[httpx.Client], httpx.Response]  # the request that queues the job
    payload: Callable[[AsyncSession], Awaitable[dict[str, Any]]]  # a stored job's payload
    text_field: str  # the result field that holds the LLM's text
    reply_words: int  # words in the offline provider's reply(ies): LLM_OFFLINE_DELAY_MS each

    def submit(self, client: httpx.Client) -> str:
        response = self.start(client)
        assert response.status_code == 202, response.text
        job_id: str = response.json()["job_id"]
        return job_id

    def lasting(self, seconds: float) -> dict[str, str]:
        """The environment that makes this job last about ``seconds`` on the offline provider."""
        return {"LLM_OFFLINE_DELAY_MS": str(math.ceil(seconds * 1000 / self.reply_words))}


def job_probes() -> list[JobProbe]:
    """The use cases that run as jobs: their probe module defines ``JOB``."""
    from ...support import probes  # imported here: the probe modules import this one

    return [module.JOB for module in probes.modules() if hasattr(module, "JOB")]


def structured_job_probes() -> list[JobProbe]:
    """The use cases' jobs that answer JSON validated against a schema: ``STRUCTURED_JOB``."""
    from ...support import probes

    found = [getattr(module, "STRUCTURED_JOB", None) for module in probes.modules()]
    return [probe for probe in found if probe is not None]
