"""Many jobs at once on one SQLite service process: submissions and the in-process worker's
writes take turns in the process, none meets "database is locked"."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ...support.running import migrated_sqlite, start_server

SUBMISSIONS = 200
FINAL = {"succeeded", "failed", "cancelled"}


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:  # the body names the problem
        return error.code, json.loads(error.read())


def _submit(base: str, n: int) -> str:
    items = [{"topic": f"tea {n}.{i}"} for i in range(3)]
    body = {"template": "blog_outline", "items": items}
    status, body = _call("POST", f"{base}/v1/generate", body)
    assert status == 202, body
    return str(body["job_id"])


def _final(base: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job = _call("GET", f"{base}/v1/jobs/{job_id}")
        assert status == 200, job
        if job["status"] in FINAL:
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end: {job}")


def test_concurrent_jobs_on_one_sqlite_process_all_succeed(tmp_path: Path) -> None:
    env = {**migrated_sqlite(tmp_path), "RATE_LIMIT_RPM": "0", "LOG_LEVEL": "WARNING"}
    process, base = start_server(env, tmp_path)
    try:
        with ThreadPoolExecutor(max_workers=48) as pool:
            job_ids = list(pool.map(lambda n: _submit(base, n), range(SUBMISSIONS)))
            jobs = list(pool.map(lambda job_id: _final(base, job_id), job_ids))
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert [job["status"] for job in jobs] == ["succeeded"] * SUBMISSIONS, jobs
    assert all(len(job["result"]["items"]) == 3 for job in jobs)
    assert "database is locked" not in out + err
    assert "job.lease_not_renewed" not in out + err
