"""Benchmark: what OpenTelemetry costs: startup, and each chat request, tracing on vs off.

"Off" is the service as shipped (no ``OTEL_EXPORTER_OTLP_ENDPOINT``: no SDK imported); "on"
exports traces and metrics over OTLP/HTTP to a receiver on loopback that reads and discards
what it gets (a collector's cost is not the service's). Both are measured in the same run,
alternately, on the same rendered project (synced with compiled bytecode), on PostgreSQL
(TEST_DATABASE_URL) with the offline provider. Per-request figures: sequential requests
(latency), then `wrk` (throughput) when it is installed. Run with `make bench-telemetry`;
`--write` records the results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from copier import run_copy  # noqa: E402

from tooling.env import UV, clean_env  # noqa: E402
from tooling.processes import Web, in_project  # noqa: E402

SLUG = "bench-telemetry"
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"message": "hello, how are you today?"}'
wrk.headers["Content-Type"] = "application/json"
"""


class Sink:
    """An OTLP/HTTP endpoint that accepts every export and discards it, counting requests."""

    def __init__(self) -> None:
        sink = self
        self.exports = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                sink.exports += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def summary(values: list[float], unit: str, digits: int = 2) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    if len(values) > 20:
        return f"p50 {statistics.median(values):.{digits}f} {unit}, p99 {p99:.{digits}f} {unit}"
    middle, low, high = (
        f"{v:.{digits}f}" for v in (statistics.median(values), ordered[0], ordered[-1])
    )
    return f"{middle} {unit} (min {low}, max {high})"


def startup(project: Path, env: dict[str, str]) -> float:
    web = Web(project, SLUG, env, logs=False, stderr=subprocess.DEVNULL)
    web.stop()
    return web.ready_after


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used so far, threads included, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def latencies(project: Path, env: dict[str, str], requests: int) -> tuple[list[float], float]:
    """Each request's latency (ms), and the server's CPU time per request (ms)."""
    web = Web(project, SLUG, env, logs=False, stderr=subprocess.DEVNULL)
    try:
        for index in range(20):  # warm up: imports, connections, the first spans
            web.call("POST", "/v1/chat", {"message": f"warm {index}"})
        timings = []
        cpu_before = cpu_ms(web.process.pid)
        for index in range(requests):
            started = time.perf_counter()
            status, _ = web.call("POST", "/v1/chat", {"message": f"message {index} {uuid.uuid4()}"})
            timings.append((time.perf_counter() - started) * 1000)
            assert status == 200, status
        cpu = (cpu_ms(web.process.pid) - cpu_before) / requests
    finally:
        web.stop()
    return timings, cpu


def throughput(project: Path, env: dict[str, str], seconds: int, script: Path) -> float:
    web = Web(project, SLUG, env, logs=False, stderr=subprocess.DEVNULL)
    try:
        for index in range(20):
            web.call("POST", "/v1/chat", {"message": f"warm {index}"})
        url = f"http://127.0.0.1:{web.port}/v1/chat"
        out = subprocess.run(
            ["wrk", "-t2", "-c4", f"-d{seconds}s", "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        web.stop()
    assert "Non-2xx" not in out, out
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert found, out
    return float(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="starts of each kind")
    parser.add_argument("--requests", type=int, default=300, help="per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternate rounds of requests")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    work = Path(tempfile.mkdtemp(prefix="bench-telemetry-"))
    project = work / SLUG
    run_copy(
        str(ROOT),
        project,
        data={"project_name": "Bench Telemetry", "use_cases": ["chat"]},
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    subprocess.run(
        [UV, "sync", "--quiet", "--compile-bytecode"], cwd=project, env=clean_env(), check=True
    )
    helpers = "from tests.support.databases import *"
    url = in_project(project, f"{helpers}; print(create_postgres_database(postgres_server()))")
    sink = Sink()
    off: dict[str, str] = {"DATABASE_URL": url, "RATE_LIMIT_RPM": "0", "LOG_LEVEL": "WARNING"}
    on = {**off, "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint}
    starts: dict[str, list[float]] = {"off": [], "on": []}
    timings: dict[str, list[float]] = {"off": [], "on": []}
    rates: dict[str, list[float]] = {"off": [], "on": []}
    cpus: dict[str, list[float]] = {"off": [], "on": []}
    script = work / "chat.lua"
    script.write_text(WRK_SCRIPT)
    wrk = shutil.which("wrk") is not None
    load = os.getloadavg()
    try:
        subprocess.run(
            [str(project / ".venv/bin" / SLUG), "admin", "migrate"],
            cwd=project,
            env=clean_env(**off),
            check=True,
            capture_output=True,
        )
        for _ in range(args.runs):  # alternately, so that drift hits both alike
            for name, env in (("off", off), ("on", on)):
                starts[name].append(startup(project, env))
        for _ in range(args.rounds):
            for name, env in (("off", off), ("on", on)):
                measured, cpu = latencies(project, env, args.requests)
                timings[name] += measured
                cpus[name].append(cpu)
                if wrk:
                    rates[name].append(throughput(project, env, args.wrk_seconds, script))
    finally:
        in_project(project, f"{helpers}; drop_postgres_database(postgres_server(), {url!r})")
    assert sink.exports > 0, "tracing on exported nothing"
    overhead = statistics.median(timings["on"]) - statistics.median(timings["off"])
    rows = [
        (
            "start to first `/readyz` 200",
            summary(starts["off"], "s"),
            summary(starts["on"], "s"),
        ),
        (
            f"`POST /v1/chat` latency, {args.rounds} x {args.requests} sequential requests",
            summary(timings["off"], "ms", 1),
            summary(timings["on"], "ms", 1) + f"; p50 {overhead:+.1f} ms",
        ),
        (
            "server CPU time per `POST /v1/chat` (user + system, all threads)",
            summary(cpus["off"], "ms"),
            summary(cpus["on"], "ms")
            + f"; {statistics.median(cpus['on']) - statistics.median(cpus['off']):+.2f} ms",
        ),
    ]
    if wrk:
        rows.append(
            (
                f"`POST /v1/chat` throughput, `wrk -t2 -c4`, {args.rounds} x {args.wrk_seconds} s",
                summary(rates["off"], "req/s", 0),
                summary(rates["on"], "req/s", 0)
                + f"; {statistics.median(rates['on']) / statistics.median(rates['off']) - 1:+.0%}",
            )
        )
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, PostgreSQL on the same "
        "machine, offline provider, `LOG_LEVEL=WARNING`; tracing on = "
        f"`OTEL_EXPORTER_OTLP_ENDPOINT` set ({sink.exports} OTLP exports received). "
        "Median (min, max), or p50/p99 over all requests. Load average during the run: "
        f"{load[0]:.1f} to {os.getloadavg()[0]:.1f} (latency and throughput move with it; "
        "the server's CPU time per request much less)."
    )
    table = [
        "| measure | OpenTelemetry off (no endpoint) | on (OTLP/HTTP export) |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    result = "\n".join([header, "", *table])
    print(result)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text()
        before, rest = text.split("<!-- telemetry -->")
        _, after = rest.split("<!-- /telemetry -->")
        doc.write_text(f"{before}<!-- telemetry -->\n{result}\n<!-- /telemetry -->{after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
