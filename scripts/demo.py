"""`make demo`: generate a service with all defaults, migrate it, start it, chat once.

Offline: no API key, no network beyond the package index (for `uv sync`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

from copier import run_copy
from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "demo" / "my-service"
SLUG = "my-service"


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < 30:
        if process.poll() is not None:
            sys.exit("the service exited during startup")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    sys.exit("the service was not ready within 30 s")


def main() -> int:
    warnings.filterwarnings("ignore", message="Dirty template changes included automatically")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    if DEST.exists():
        shutil.rmtree(DEST)
    step(f"copier copy --trust --defaults {ROOT.name} {DEST.relative_to(ROOT)}")
    run_copy(
        str(ROOT),
        DEST,
        data={"project_name": "My Service"},
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    step("uv sync")
    subprocess.run([find_uv_bin(), "sync", "--quiet"], cwd=DEST, env=env, check=True)
    command = str(DEST / ".venv" / "bin" / SLUG)
    step(f"{SLUG} admin migrate")
    subprocess.run(
        [command, "admin", "migrate"], cwd=DEST, env=env, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    step(f"{SLUG} serve  (PORT={port})")
    server = subprocess.Popen(
        [command, "serve"], cwd=DEST, env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL
    )
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}/readyz", server)
        print(f"ready after {ready:.2f} s")
        url = f"http://127.0.0.1:{port}/v1/chat"
        question = {"message": "Hello! Who answers me?"}
        step(f"POST /v1/chat {json.dumps(question)}")
        answer = post(url, question)
        print(json.dumps(answer, indent=2))
        follow_up = {
            "message": "And do you remember me?",
            "conversation_id": answer["conversation_id"],
        }
        step(f"POST /v1/chat {json.dumps(follow_up)}")
        print(json.dumps(post(url, follow_up), indent=2))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    step(f"stopped (exit {server.returncode}). The project is in {DEST.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
