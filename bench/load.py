"""Benchmark: chat latency with and without Redis, job throughput, worker shutdown.

Needs PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL, as for the tests). The
generated service runs with the offline provider, so what is measured is the service itself:
HTTP, database, queue, Redis; not a model. Run with `make bench-load`; `--write` records the
results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from copier import run_copy  # noqa: E402

from tooling.env import UV, clean_env  # noqa: E402
from tooling.processes import ServiceProcess, Web, in_project  # noqa: E402

SLUG = "bench-load"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def chat_latencies(project: Path, env: dict[str, str], requests: int) -> tuple[float, float]:
    web = Web(project, SLUG, env)
    try:
        for index in range(20):  # warm up: imports, connections, caches
            web.call("POST", "/v1/chat", {"message": f"warm {index}"})
        timings = []
        for index in range(requests):
            started = time.perf_counter()
            status, _ = web.call("POST", "/v1/chat", {"message": f"message {index} {uuid.uuid4()}"})
            timings.append((time.perf_counter() - started) * 1000)
            assert status == 200, status
    finally:
        web.stop()
    return percentile(timings, 0.5), percentile(timings, 0.99)


def job_throughput(project: Path, env: dict[str, str], jobs: int) -> tuple[float, list[int]]:
    web = Web(project, SLUG, env)
    workers = [ServiceProcess(project, SLUG, ["worker"], env) for _ in range(2)]
    try:
        for worker in workers:
            worker.wait_for("worker.started")
        started = time.perf_counter()
        ids = []
        for index in range(jobs):
            body = {"template": "blog_outline", "variables": {"topic": f"topic {index}"}}
            ids.append(web.call("POST", "/v1/generate", body)[1]["job_id"])
        pending = set(ids)
        while pending:
            for job_id in list(pending):
                if web.call("GET", f"/v1/jobs/{job_id}")[1]["status"] == "succeeded":
                    pending.discard(job_id)
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        split = [len(w.events("job.finished")) for w in workers]
    finally:
        for process in [web, *workers]:
            process.stop()
    return jobs / elapsed, split


def worker_stop_with_running_job(project: Path, env: dict[str, str]) -> float:
    web = Web(project, SLUG, env)
    worker = ServiceProcess(project, SLUG, ["worker"], {**env, "LLM_OFFLINE_DELAY_MS": "30"})
    try:
        worker.wait_for("worker.started")
        body = {"template": "blog_outline", "variables": {"topic": "shutdown"}}
        job_id = web.call("POST", "/v1/generate", body)[1]["job_id"]
        worker.wait_for("job.started", job_id=job_id)
        sent = time.perf_counter()
        worker.stop(signal.SIGTERM)
        elapsed = time.perf_counter() - sent
        assert web.call("GET", f"/v1/jobs/{job_id}")[1]["status"] == "succeeded"
    finally:
        web.stop()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    redis = os.environ["TEST_REDIS_URL"]  # and TEST_DATABASE_URL, read by the helpers
    project = Path(tempfile.mkdtemp(prefix="bench-load-")) / SLUG
    run_copy(
        str(ROOT),
        project,
        data={"project_name": "Bench Load"},
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    subprocess.run(
        [UV, "sync", "--quiet", "--compile-bytecode"],
        cwd=project,
        env=clean_env(),
        check=True,
    )
    helpers = "from tests.support.databases import *"
    url = in_project(project, f"{helpers}; print(create_postgres_database(postgres_server()))")
    base: dict[str, Any] = {
        "DATABASE_URL": url,
        "RATE_LIMIT_RPM": "1000000",
        "LOG_LEVEL": "WARNING",
    }
    try:
        subprocess.run(
            [str(project / ".venv/bin" / SLUG), "admin", "migrate"],
            cwd=project,
            env=clean_env(**base),
            check=True,
            capture_output=True,
        )
        with_redis = {
            **base,
            "REDIS_URL": redis,
            "REDIS_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:6]}",
        }
        p50_local, p99_local = chat_latencies(project, base, args.requests)
        p50_redis, p99_redis = chat_latencies(project, with_redis, args.requests)
        logs = {**with_redis, "LOG_LEVEL": "INFO"}
        throughput, split = job_throughput(project, logs, args.jobs)
        stop_s = worker_stop_with_running_job(project, logs)
    finally:
        in_project(project, f"{helpers}; drop_postgres_database(postgres_server(), {url!r})")
    chat = "`POST /v1/chat`"
    rows = [
        (
            f"{chat}, no Redis (in-process rate limit)",
            f"p50 {p50_local:.1f} ms, p99 {p99_local:.1f} ms",
        ),
        (
            f"{chat}, Redis (shared rate limit, LLM cache miss and write)",
            f"p50 {p50_redis:.1f} ms, p99 {p99_redis:.1f} ms",
        ),
        (
            f"{args.jobs} `generate` jobs, 2 workers, submitted through 1 web process",
            f"{throughput:.1f} jobs/s (split {split[0]}/{split[1]})",
        ),
        ("worker SIGTERM to exit, one ~1 s job running (it finishes first)", f"{stop_s:.2f} s"),
    ]
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Postgres and Redis on "
        f"the same machine: {args.requests} sequential chat requests after 20 warm-up ones."
    )
    table = ["| measure | result |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows]]
    result = "\n".join([header, "", *table])
    print(result)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text()
        before, rest = text.split("<!-- load -->")
        _, after = rest.split("<!-- /load -->")
        doc.write_text(f"{before}<!-- load -->\n{result}\n<!-- /load -->{after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
