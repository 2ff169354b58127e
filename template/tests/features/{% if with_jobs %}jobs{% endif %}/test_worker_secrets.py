"""No secret leaves the worker: its output, through Redis refusing it or gone, is scanned."""

from __future__ import annotations

import json
from pathlib import Path

from ...support.running import LoggedProcess, free_port
from ...support.secrets import REDIS_PASSWORD, assert_no_secret


def test_worker_output_leaks_no_secret(secret_env: dict[str, str], tmp_path: Path) -> None:
    worker = LoggedProcess(["worker"], secret_env, tmp_path)
    worker.wait_for("worker.started")
    assert worker.stop() == 0
    closed_port = free_port()  # nothing listens there
    closed = {**secret_env, "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{closed_port}/0"}
    unreachable = LoggedProcess(["worker"], closed, tmp_path)
    unreachable.wait_for("worker.redis_unavailable")
    assert unreachable.stop() == 0
    output = ""
    for process in (worker, unreachable):
        assert process.process.stderr is not None
        output += json.dumps(process.lines) + process.process.stderr.read()
    assert_no_secret(output)
