"""Where the start and the memory go: each imported package's time, and memory by layer.

`make bench` prints these tables after its own; alone: `python bench/imports.py PROJECT SLUG`
for a generated project synced with compiled bytecode.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tooling.env import clean_env  # noqa: E402
from tooling.processes import free_port, request  # noqa: E402

# Each layer adds its imports to the one before; the last is the whole app, built.
LAYERS = [
    ("Python", "pass"),
    ("+ fastapi, uvicorn", "import fastapi, uvicorn"),
    ("+ SQLAlchemy (asyncio, ORM)", "import sqlalchemy.ext.asyncio, sqlalchemy.orm"),
    ("+ structlog, pydantic-settings", "import structlog, pydantic_settings"),
    (
        "+ the app, built (`create_app`)",
        "from {pkg}.app import create_app; from {pkg}.core.settings import Settings; "
        "create_app(Settings())",
    ),
]
RSS = "import re; print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])"


def serve_imports(project: Path, slug: str, env: dict[str, str]) -> dict[str, float]:
    """Milliseconds of import per top-level package, from start to the first /readyz 200."""
    port = free_port()
    package = slug.replace("-", "_")
    process = subprocess.Popen(
        [str(project / ".venv/bin/python"), "-X", "importtime", "-m", package, "serve"],
        cwd=project,
        env=clean_env(**{**env, "PORT": str(port), "LOG_LEVEL": "WARNING"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/readyz", timeout=2)[0] == 200:
                break
        except OSError:
            time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, self_us, _, name = (part.strip() for part in line.replace(":", "|", 1).split("|"))
        top = name.split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(self_us) / 1000
    return totals


def import_table(totals: dict[str, float], ours: str, rows: int = 12) -> list[str]:
    whole = sum(totals.values())
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    lines = ["| package | import time, ms | share |", "|---|---|---|"]
    for name, ms in ranked[:rows]:
        label = f"{name} (the service's own modules)" if name == ours else name
        lines.append(f"| {label} | {ms:.0f} | {ms / whole:.0%} |")
    rest = sum(ms for _, ms in ranked[rows:])
    lines.append(
        f"| {len(ranked) - rows} other packages and modules | {rest:.0f} | {rest / whole:.0%} |"
    )
    lines.append(f"| **all imports** | **{whole:.0f}** | 100% |")
    return lines


def memory_layers(project: Path, slug: str) -> list[tuple[str, float]]:
    """Resident memory (MiB) of a Python process after each layer of imports."""
    package = slug.replace("-", "_")
    code: list[str] = []
    result = []
    for label, statement in LAYERS:
        code.append(statement.format(pkg=package))
        out = subprocess.run(
            [str(project / ".venv/bin/python"), "-c", "; ".join([*code, RSS])],
            cwd=project,
            env=clean_env(DATABASE_URL="sqlite+aiosqlite:///unused.db"),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        result.append((label, int(out) / 1024))
    return result


def memory_table(layers: list[tuple[str, float]], serving: float) -> list[str]:
    lines = ["| process | resident memory, MiB | added, MiB |", "|---|---|---|"]
    before = 0.0
    for label, mib in [*layers, ("+ serving (uvicorn, engine, 20 requests)", serving)]:
        lines.append(f"| {label} | {mib:.1f} | {mib - before:+.1f} |")
        before = mib
    return lines


def main() -> int:
    project, slug = Path(sys.argv[1]), sys.argv[2]
    env = {"DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///bench.db")}
    print("\n".join(import_table(serve_imports(project, slug, env), slug.replace("-", "_"))))
    print("\n".join(memory_table(memory_layers(project, slug), float("nan"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
