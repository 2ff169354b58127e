"""Processes of a generated service: started, watched (JSON log lines, readiness), stopped.

The one helper for the template's tests, the benchmarks and the demo.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .env import clean_env


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


def exchange(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], Any]:
    """One JSON request to the service on ``port``: its status, headers and JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, payload, {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(data) if data else None


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    status, _, data = exchange(port, method, path, body, headers, timeout)
    return status, data


class ServiceProcess:
    """``project/.venv/bin/<command> <args>``, in a clean environment plus ``env``.

    With ``logs`` (the default) every stdout line must be JSON and is collected in ``lines``;
    without, stdout is discarded. ``stderr`` is Popen's: a pipe by default (read it after
    ``stop()``), ``subprocess.DEVNULL``, or ``None`` for the terminal.
    """

    def __init__(
        self,
        project: Path,
        command: str,
        args: Sequence[str],
        env: dict[str, str],
        *,
        logs: bool = True,
        stderr: int | None = subprocess.PIPE,
    ) -> None:
        self.lines: list[dict[str, Any]] = []
        argv, environment = [str(project / ".venv" / "bin" / command), *args], clean_env(**env)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            argv,
            cwd=project,
            env=environment,
            stdout=subprocess.PIPE if logs else subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
        self._reader: threading.Thread | None = None
        if logs:
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
        if self._reader is not None:
            self._reader.join(timeout=5)
        return code


class Web(ServiceProcess):
    """A web process on a free port (``PORT``), returned once ``GET /readyz`` answers 200.

    ``ready_after`` is the seconds from start to that first 200. A command that takes its
    port as an option (a bare uvicorn) is given ``port`` and puts it in its ``args``.
    """

    def __init__(
        self,
        project: Path,
        command: str,
        env: dict[str, str],
        args: Sequence[str] = ("serve",),
        *,
        port: int | None = None,
        timeout: float = 30,
        logs: bool = True,
        stderr: int | None = subprocess.PIPE,
    ) -> None:
        self.port = port or free_port()
        env = {**env, "PORT": str(self.port)}
        super().__init__(project, command, args, env, logs=logs, stderr=stderr)
        while time.monotonic() - self.started < timeout:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"{command} exited {code} before ready: {self.lines[-10:]}")
            try:
                if request(self.port, "GET", "/readyz", timeout=2)[0] == 200:
                    self.ready_after = time.monotonic() - self.started
                    return
            except OSError:
                pass
            time.sleep(0.01)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"{command} not ready within {timeout:g} s: {self.lines[-10:]}")

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        return request(self.port, method, path, body, headers)

    def exchange(
        self, method: str, path: str, body: Any = None, **headers: str
    ) -> tuple[int, dict[str, str], Any]:
        """Like ``call``, with the response's headers too."""
        return exchange(self.port, method, path, body, headers)
