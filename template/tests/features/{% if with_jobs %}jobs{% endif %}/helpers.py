"""Jobs in tests: how each use case starts one, and waiting for one to end."""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from ...support.running import PROJECT, LoggedProcess, free_port


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


@dataclass(frozen=True)
class JobProbe:
    """How to start a job of a use case: through the API, or straight in the job store."""

    kind: str
    start: Callable[[httpx.Client], httpx.Response]  # the request that queues the job
    payload: Callable[[AsyncSession], Awaitable[dict[str, Any]]]  # a stored job's payload
    text_field: str  # the result field that holds the LLM's text
    reply_words: int  # words in the offline provider's reply(ies): LLM_OFFLINE_DELAY_MS each

    def submit(self, client: httpx.Client) -> str:
        response = self.start(client)
        assert response.status_code == 202, response.text
        job_id: str = response.json()["job_id"]
        return job_id

    def lasting(self, seconds: float) -> dict[str, str]:
        """The environment that makes this job last about ``seconds`` on the offline provider."""
        return {"LLM_OFFLINE_DELAY_MS": str(math.ceil(seconds * 1000 / self.reply_words))}


def job_probes() -> list[JobProbe]:
    """The use cases that run as jobs: their probe module defines ``JOB``."""
    from ...support import probes  # imported here: the probe modules import this one

    return [module.JOB for module in probes.modules() if hasattr(module, "JOB")]


def structured_job_probes() -> list[JobProbe]:
    """The use cases' jobs that answer JSON validated against a schema: ``STRUCTURED_JOB``."""
    from ...support import probes

    found = [getattr(module, "STRUCTURED_JOB", None) for module in probes.modules()]
    return [probe for probe in found if probe is not None]


def serve(env: dict[str, str], cwd: Path, module: str | None = None) -> tuple[LoggedProcess, int]:
    """A web process on a free port (``module``: a test-only wrapper of the service), once
    it answers ``/healthz``; its JSON log lines are collected."""
    port = free_port()
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "PYTHONPATH": str(PROJECT)}
    server = LoggedProcess(["serve"], env, cwd, module)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.lines[-10:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server, port
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the server did not answer /healthz within 30 s")


def open_stream(port: int, job_id: str, key: str = "") -> tuple[socket.socket, int, bytes]:
    """Open ``GET /v1/jobs/{job_id}/events`` on a plain socket, held open by the caller;
    return it, the status, and the body so far: the first event, or the error's JSON."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    sock.sendall(f"GET /v1/jobs/{job_id}/events HTTP/1.1\r\nHost: t\r\n{auth}\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received:
        received += _more(sock, received)
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if status == 200:
        while b"\n\n" not in body:  # the first event, whole
            body += _more(sock, body)
        return sock, status, body
    lines = head.decode().lower().split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.startswith("content-length"))
    while len(body) < length:
        body += _more(sock, body)
    return sock, status, body


def _more(sock: socket.socket, so_far: bytes) -> bytes:
    chunk = sock.recv(65536)
    assert chunk, f"the server closed the connection after {so_far!r}"
    return chunk


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
