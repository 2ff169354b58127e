"""Benchmark: how long `admin eval` takes on the shipped golden cases, offline.

The template is rendered with every use case, synced with compiled bytecode (as in its
Docker image), and `admin eval` is run `--runs` times with the offline provider: the wall
time of the process (what CI waits for) and the time inside the task (its `eval.summary`
`duration_ms`: building the services, the scratch database, the cases). `--write` records
the results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tooling.env import UV, clean_env  # noqa: E402

SLUG = "bench-evals"


def summarize(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    project = Path(tempfile.mkdtemp(prefix="bench-evals-")) / SLUG
    subprocess.run(
        [
            sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
            "--vcs-ref", "HEAD", "--data", "project_name=Bench Evals",
            "--data", 'use_cases=["chat", "generate", "analyze"]', str(ROOT), str(project),
        ],
        check=True,
        env=clean_env(),
        capture_output=True,
    )  # fmt: skip
    subprocess.run([UV, "sync", "--quiet", "--compile-bytecode"], cwd=project, check=True)
    cases = sum(
        text.count("\n  - name:") for text in (p.read_text() for p in project.glob("evals/*.yaml"))
    )
    wall: list[float] = []
    inside: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = subprocess.run(
            [str(project / ".venv" / "bin" / SLUG), "admin", "eval"],
            cwd=project,
            env=clean_env(LLM_PROVIDER="offline"),
            capture_output=True,
            text=True,
            check=True,
        )
        wall.append(time.perf_counter() - started)
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        (summary,) = [line for line in lines if line["event"] == "eval.summary"]
        assert summary["passed"] == summary["total"] == cases, summary
        inside.append(summary["duration_ms"] / 1000)
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores: `admin eval` on the"
        f" {cases} shipped cases, offline, compiled bytecode, {args.runs} runs;"
        " median (min, max)."
    )
    table = [
        "| measure | seconds |",
        "|---|---|",
        f"| `admin eval`, process start to exit | {summarize(wall)} |",
        f"| inside the task (`eval.summary` `duration_ms`) | {summarize(inside)} |",
    ]
    result_text = "\n".join([header, "", *table])
    print(result_text)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text()
        before, rest = text.split("<!-- evals -->")
        _, after = rest.split("<!-- /evals -->")
        doc.write_text(f"{before}<!-- evals -->\n{result_text}\n<!-- /evals -->{after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
