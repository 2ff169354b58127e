"""Processes of a generated service, with their JSON log lines collected as they come."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .conftest import clean_env


def in_project(project: Path, code: str) -> str:
    """Run Python in a generated project (its tests ship helpers, such as fresh databases)."""
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-c", code],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, payload, {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data) if data else None


class ServiceProcess:
    def __init__(self, project: Path, command: str, args: list[str], env: dict[str, str]) -> None:
        self.lines: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            [str(project / ".venv" / "bin" / command), *args],
            cwd=project,
            env=clean_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(json.loads(line))  # every stdout line is JSON, or this fails

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in list(self.lines) if line["event"] == name]

    def wait_for(self, event: str, timeout: float = 30, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.events(event):
                if all(line.get(key) == value for key, value in fields.items()):
                    return line
            assert self.process.poll() is None, (self.process.returncode, self.lines[-10:])
            time.sleep(0.02)
        raise AssertionError(f"no {event} {fields}; last lines: {self.lines[-10:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code


class Web(ServiceProcess):
    def __init__(self, project: Path, slug: str, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(project, slug, ["serve"], {**env, "PORT": str(self.port)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("web process not ready within 30 s")

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        return request(self.port, method, path, body, headers)
