"""Benchmark: generation time, startup to ready, memory, and SIGTERM to exit.

Each figure is compared with a baseline measured in the same run on the same machine:
a bare FastAPI app under uvicorn, in the same virtual environment. Run it with `make bench`;
`--write` replaces the results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tooling.env import UV, clean_env  # noqa: E402
from tooling.processes import Web, free_port  # noqa: E402

SLUG = "bench-service"
BASELINE_APP = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ready"}
"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(project: Path, cmd: list[str], env: dict[str, str]) -> Web:
    """``cmd``: a command of the project's .venv/bin and its arguments; output discarded."""
    port = free_port()
    args = cmd[1:] + ([] if "serve" in cmd else ["--port", str(port)])
    return Web(project, cmd[0], env, args, port=port, logs=False, stderr=subprocess.DEVNULL)


def stop(web: Web) -> float:
    sent = time.monotonic()
    web.stop()
    return time.monotonic() - sent


def stop_with_open_stream(web: Web) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    body = json.dumps({"message": "a long answer", "stream": True})
    conn.request("POST", "/v1/chat", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.readline()  # the first delta is on its way: the stream is open
    elapsed = stop(web)
    conn.close()
    return elapsed


def sample(runs: int, measure: Callable[[], float]) -> str:
    values = [measure() for _ in range(runs)]
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    project = work / SLUG
    copier = [
        sys.executable,
        "-m",
        "copier",
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        "HEAD",
        "--data",
        "project_name=Bench Service",
        str(ROOT),
    ]

    def generate() -> float:
        target = work / f"gen-{time.monotonic_ns()}"
        started = time.monotonic()
        subprocess.run([*copier, str(target)], check=True, env=env, capture_output=True)
        return time.monotonic() - started

    def generate_skip_tasks() -> float:
        target = work / f"gen-{time.monotonic_ns()}"
        started = time.monotonic()
        subprocess.run(
            [*copier, "--skip-tasks", str(target)], check=True, env=env, capture_output=True
        )
        return time.monotonic() - started

    rows = [
        (
            "`copier copy --trust` (CLI, with hooks: .env, uv lock, git commit), s",
            sample(3, generate),
            "-",
        ),
        ("`copier copy --skip-tasks` (CLI, no hooks), s", sample(3, generate_skip_tasks), "-"),
    ]
    subprocess.run([*copier, str(project)], check=True, env=env, capture_output=True)
    subprocess.run(
        [UV, "sync", "--quiet", "--compile-bytecode"],
        cwd=project,
        check=True,
        env=env,
    )
    db = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    service_env = {"DATABASE_URL": db, "LLM_OFFLINE_DELAY_MS": "200"}
    subprocess.run(
        [str(project / ".venv" / "bin" / SLUG), "admin", "migrate"],
        cwd=project,
        env=clean_env(**service_env),
        check=True,
        capture_output=True,
    )
    (work / "baseline_app.py").write_text(BASELINE_APP)
    baseline_cmd = [
        "python",
        "-m",
        "uvicorn",
        "--app-dir",
        str(work),
        "baseline_app:app",
        "--log-level",
        "warning",
    ]
    service_cmd = [SLUG, "serve"]

    def ready(cmd: list[str]) -> Callable[[], float]:
        def measure() -> float:
            web = start(project, cmd, service_env)
            stop(web)
            return web.ready_after

        return measure

    def memory(cmd: list[str]) -> Callable[[], float]:
        def measure() -> float:
            web = start(project, cmd, service_env)
            for _ in range(20):
                web.call("GET", "/readyz")
            mib = rss_mib(web.process.pid)
            stop(web)
            return mib

        return measure

    def idle_stop(cmd: list[str]) -> Callable[[], float]:
        def measure() -> float:
            return stop(start(project, cmd, service_env))

        return measure

    def stream_stop() -> float:
        return stop_with_open_stream(start(project, service_cmd, service_env))

    rows += [
        (
            "start to first `/readyz` 200, s",
            sample(args.runs, ready(service_cmd)),
            sample(args.runs, ready(baseline_cmd)),
        ),
        (
            "resident memory after 20 requests, MiB",
            sample(args.runs, memory(service_cmd)),
            sample(args.runs, memory(baseline_cmd)),
        ),
        (
            "SIGTERM to exit, idle, s",
            sample(args.runs, idle_stop(service_cmd)),
            sample(args.runs, idle_stop(baseline_cmd)),
        ),
        ("SIGTERM to exit, one SSE stream open, s", sample(args.runs, stream_stop), "-"),
    ]
    table = [
        "| measure | generated service (offline) | baseline: bare FastAPI + uvicorn |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]} for copier; median of runs (min, max)."
    )
    result = "\n".join([header, "", *table])
    print(result)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text()
        start_mark, end_mark = "<!-- results -->", "<!-- /results -->"
        before, rest = text.split(start_mark)
        _, after = rest.split(end_mark)
        doc.write_text(f"{before}{start_mark}\n{result}\n{end_mark}{after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
