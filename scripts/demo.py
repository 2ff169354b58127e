"""`make demo`: generate a service with all defaults, migrate it, start it, chat once.

Offline: no API key, no network beyond the package index (for `uv sync`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from copier import run_copy  # noqa: E402

from tooling.env import UV  # noqa: E402
from tooling.processes import Web, free_port  # noqa: E402

DEST = ROOT / "demo" / "my-service"
SLUG = "my-service"


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def chat(server: Web, body: dict[str, Any]) -> dict[str, Any]:
    step(f"POST /v1/chat {json.dumps(body)}")
    status, answer = server.call("POST", "/v1/chat", body)
    if status != 200:
        sys.exit(f"HTTP {status}: {answer}")
    print(json.dumps(answer, indent=2))
    return answer


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
    subprocess.run([UV, "sync", "--quiet"], cwd=DEST, env=env, check=True)
    command = str(DEST / ".venv" / "bin" / SLUG)
    step(f"{SLUG} admin migrate")
    subprocess.run(
        [command, "admin", "migrate"], cwd=DEST, env=env, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    step(f"{SLUG} serve  (PORT={port})")
    try:  # its JSON logs discarded, its errors shown
        server = Web(DEST, SLUG, {}, port=port, logs=False, stderr=None)
    except RuntimeError as error:
        sys.exit(str(error))
    try:
        print(f"ready after {server.ready_after:.2f} s")
        answer = chat(server, {"message": "Hello! Who answers me?"})
        chat(
            server,
            {"message": "And do you remember me?", "conversation_id": answer["conversation_id"]},
        )
    finally:
        code = server.stop()
    step(f"stopped (exit {code}). The project is in {DEST.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
