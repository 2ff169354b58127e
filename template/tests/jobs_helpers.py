"""Wait for a job to end, through the public API."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient


def wait_for_job(client: TestClient, job_id: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")
