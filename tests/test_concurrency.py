"""Factor VIII, proven: 2 web processes and 2 workers share one Postgres and one Redis.

- a conversation started on one web process continues on the other;
- 20 jobs submitted to both web processes all succeed, spread over both workers;
- a worker stopped by SIGTERM in the middle of jobs loses none of them;
- the rate limit is shared by the web processes.

Needs TEST_DATABASE_URL and TEST_REDIS_URL (CI and `make test` provide them).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tooling.env import clean_env
from tooling.processes import ServiceProcess, Web, in_project

from .conftest import SERVICE_SLUG

# Keys as API_KEYS wants them: at least 16 printable ASCII characters.
KEY_CHAT, KEY_JOBS, KEY_LATE, KEY_LIMIT = (
    f"key-{name}-0123456789" for name in ("chat", "jobs", "late", "limit")
)
RPM = 60


@pytest.fixture
def shared_env(project: Path) -> Iterator[dict[str, str]]:
    database, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not (database and redis):
        pytest.fail("TEST_DATABASE_URL and TEST_REDIS_URL must be set (see README)")
    helpers = "from tests.support.databases import *"
    url = in_project(project, f"{helpers}; print(create_postgres_database(postgres_server()))")
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "REDIS_KEY_PREFIX": f"concurrency-{uuid.uuid4().hex[:8]}",
        "API_KEYS": ",".join([KEY_CHAT, KEY_JOBS, KEY_LATE, KEY_LIMIT]),
        "RATE_LIMIT_RPM": str(RPM),
        "LLM_CACHE_TTL_S": "0",
    }
    subprocess.run(
        [str(project / ".venv" / "bin" / SERVICE_SLUG), "admin", "migrate"],
        cwd=project,
        env=clean_env(**env),
        check=True,
        capture_output=True,
    )
    yield env
    in_project(project, f"{helpers}; drop_postgres_database(postgres_server(), {url!r})")


def _wait_all(web: Web, job_ids: list[str], key: str) -> dict[str, dict[str, Any]]:
    """Follow each job's event stream to its final status: one request per job."""
    done = {}
    for job_id in job_ids:
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=60)
        conn.request("GET", f"/v1/jobs/{job_id}/events", headers={"Authorization": f"Bearer {key}"})
        body = conn.getresponse().read().decode()
        conn.close()
        last = body.strip().split("\n\n")[-1]
        done[job_id] = json.loads(last.split("data: ", 1)[1])
    return done


def test_two_web_processes_and_two_workers(project: Path, shared_env: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {KEY_CHAT}"}
    worker_env = {
        **shared_env,
        "LLM_OFFLINE_DELAY_MS": "40",
        "SHUTDOWN_GRACE_S": "0.5",
        "JOB_REDELIVERY_S": "2",
        "WORKER_CONCURRENCY": "2",
    }
    webs = [Web(project, SERVICE_SLUG, shared_env) for _ in range(2)]
    workers = [ServiceProcess(project, SERVICE_SLUG, ["worker"], worker_env) for _ in range(2)]
    try:
        for worker in workers:
            worker.wait_for("worker.started")

        # A conversation moves between web processes: the state is in Postgres.
        status, first = webs[0].call("POST", "/v1/chat", {"message": "one"}, **auth)
        assert status == 200
        cid = first["conversation_id"]
        status, second = webs[1].call(
            "POST", "/v1/chat", {"message": "two", "conversation_id": cid}, **auth
        )
        assert status == 200 and second["reply"].startswith("Offline reply to turn 2")
        messages = webs[0].call("GET", f"/v1/conversations/{cid}", **auth)[1]["messages"]
        assert [m["content"] for m in messages[::2]] == ["one", "two"]

        # 20 jobs through both web processes, run by both workers.
        started = time.monotonic()
        job_ids = []
        for index in range(20):
            body = {"template": "blog_outline", "variables": {"topic": f"topic {index}"}}
            status, accepted = webs[index % 2].call(
                "POST", "/v1/generate", body, Authorization=f"Bearer {KEY_JOBS}"
            )
            assert status == 202
            job_ids.append(accepted["job_id"])
        jobs = _wait_all(webs[1], job_ids, KEY_JOBS)
        elapsed = time.monotonic() - started
        assert {job["status"] for job in jobs.values()} == {"succeeded"}
        ran = [{line["job_id"] for line in w.events("job.finished")} for w in workers]
        assert ran[0] and ran[1], "both workers took jobs"
        assert ran[0] | ran[1] == set(job_ids) and not ran[0] & ran[1]
        print(
            f"\n20 jobs on 2 workers: {elapsed:.2f} s, {20 / elapsed:.1f} jobs/s "
            f"(offline provider, 40 ms per word); split {len(ran[0])}/{len(ran[1])}"
        )

        # SIGTERM to a worker in the middle of jobs: nothing is lost.
        more = []
        for index in range(6):
            body = {"template": "blog_outline", "variables": {"topic": f"late {index}"}}
            late_auth = {"Authorization": f"Bearer {KEY_LATE}"}
            more.append(
                webs[index % 2].call("POST", "/v1/generate", body, **late_auth)[1]["job_id"]
            )
        deadline = time.monotonic() + 20
        while not set(more) & {line["job_id"] for line in workers[0].events("job.started")}:
            assert time.monotonic() < deadline, "worker 1 took none of the late jobs"
            time.sleep(0.02)
        sent = time.monotonic()
        assert workers[0].stop(signal.SIGTERM) == 0
        print(
            f"worker SIGTERM to exit with jobs running: {time.monotonic() - sent:.2f} s "
            f"(SHUTDOWN_GRACE_S=0.5)"
        )
        late = _wait_all(webs[0], more, KEY_LATE)
        assert {job["status"] for job in late.values()} == {"succeeded"}
        abandoned = workers[0].events("worker.stopped")[0]["abandoned_jobs"]
        redelivered = [job for job in late.values() if job["attempts"] > 1]
        assert len(redelivered) == abandoned, (abandoned, late)

        # The rate limit is shared: RPM requests in all, whichever process serves them.
        limit = {"Authorization": f"Bearer {KEY_LIMIT}"}
        codes = [webs[i % 2].call("GET", "/v1/jobs/none", **limit)[0] for i in range(RPM)]
        assert set(codes) == {404}  # within the limit (the job does not exist)
        assert webs[0].call("GET", "/v1/jobs/none", **limit)[0] == 429
        assert webs[1].call("GET", "/v1/jobs/none", **limit)[0] == 429
    finally:
        for process in [*webs, *workers]:
            process.stop()
    for process in [*webs, *workers]:
        assert process.process.returncode == 0
        assert process.process.stderr is not None and process.process.stderr.read() == ""
