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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
SLUG = "bench-service"
BASELINE_APP = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ready"}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(
    cmd: list[str], cwd: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int, float]:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        cmd + ([] if "serve" in cmd else ["--port", str(port)]),
        cwd=cwd,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        if time.monotonic() - started > 30:
            process.kill()
            raise RuntimeError(f"{cmd} not ready in 30 s")
        try:
            if get(port, "/readyz") == 200:
                return process, port, time.monotonic() - started
        except OSError:
            time.sleep(0.01)


def stop(process: subprocess.Popen[bytes]) -> float:
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    return time.monotonic() - sent


def stop_with_open_stream(process: subprocess.Popen[bytes], port: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"message": "a long answer", "stream": True})
    conn.request("POST", "/v1/chat", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.readline()  # the first delta is on its way: the stream is open
    elapsed = stop(process)
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
        [str(find_uv_bin()), "sync", "--quiet", "--compile-bytecode"],
        cwd=project,
        check=True,
        env=env,
    )
    db = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    service_env = {**env, "DATABASE_URL": db, "LLM_OFFLINE_DELAY_MS": "200"}
    bin_dir = project / ".venv" / "bin"
    subprocess.run(
        [str(bin_dir / SLUG), "admin", "migrate"],
        cwd=project,
        env=service_env,
        check=True,
        capture_output=True,
    )
    (work / "baseline_app.py").write_text(BASELINE_APP)
    baseline_cmd = [
        str(bin_dir / "python"),
        "-m",
        "uvicorn",
        "--app-dir",
        str(work),
        "baseline_app:app",
        "--log-level",
        "warning",
    ]
    service_cmd = [str(bin_dir / SLUG), "serve"]

    def ready(cmd: list[str]) -> Callable[[], float]:
        def measure() -> float:
            process, _, elapsed = start(cmd, project, service_env)
            stop(process)
            return elapsed

        return measure

    def memory(cmd: list[str]) -> Callable[[], float]:
        def measure() -> float:
            process, port, _ = start(cmd, project, service_env)
            for _ in range(20):
                get(port, "/readyz")
            mib = rss_mib(process.pid)
            stop(process)
            return mib

        return measure

    def idle_stop(cmd: list[str]) -> Callable[[], float]:
        def measure() -> float:
            process, _, _ = start(cmd, project, service_env)
            return stop(process)

        return measure

    def stream_stop() -> float:
        process, port, _ = start(service_cmd, project, service_env)
        return stop_with_open_stream(process, port)

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
