"""The service as a real process: JSON logs with request ids on every endpoint, SIGTERM."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path

from .support.probes import PROBES
from .support.running import migrated_sqlite, start_server


def test_logs_are_json_lines_with_request_ids(tmp_path: Path) -> None:
    process, base = start_server(migrated_sqlite(tmp_path), tmp_path)
    for probe in PROBES:
        request = probe.request(base, **{"X-Request-ID": f"req-{probe.name}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == probe.status
            assert response.headers["X-Request-ID"] == f"req-{probe.name}"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    assert time.monotonic() - started < 5
    assert stderr == ""
    lines = [json.loads(line) for line in stdout.splitlines()]
    for line in lines:
        assert {"timestamp", "level", "event", "request_id"} <= line.keys()
    for probe in PROBES:
        access = [
            line
            for line in lines
            if line["event"] == "http.access" and line["request_id"] == f"req-{probe.name}"
        ]
        assert len(access) == 1, probe.name
        assert access[0]["status"] == probe.status
