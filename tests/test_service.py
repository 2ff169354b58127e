"""The generated service as a real process: the HTTP contract, logs, config errors, SIGTERM.

Durations measured here (startup to ready, SIGTERM to exit) are printed for the record;
they are benchmarks' business, not assertions, beyond generous sanity bounds.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tooling.processes import Web

from .conftest import UV, clean_env, run

SLUG = "acme-helper"


def _command(project: Path, *args: str) -> list[str]:
    return [str(project / ".venv" / "bin" / SLUG), *args]


def _start(project: Path, db: Path, **env: str) -> Web:
    return Web(project, SLUG, {"DATABASE_URL": f"sqlite+aiosqlite:///{db}", **env})


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Iterator[Web]:
    db = tmp_path / "service.db"
    migrate = subprocess.run(
        _command(project, "admin", "migrate"),
        cwd=project,
        capture_output=True,
        text=True,
        env=clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{db}"),
        timeout=60,
    )
    assert migrate.returncode == 0, migrate
    server = _start(project, db)
    print(f"\nstartup to ready: {server.ready_after:.2f} s")
    yield server
    server.stop()


def _stream(port: int, body: dict[str, Any]) -> tuple[http.client.HTTPConnection, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        "/v1/chat",
        json.dumps({**body, "stream": True}).encode(),
        {"Content-Type": "application/json"},
    )
    return conn, conn.getresponse()


def _events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_chat_continuation_streaming_and_json_logs(server: Web) -> None:
    status, headers, first = server.exchange(
        "POST", "/v1/chat", {"message": "Hello"}, **{"X-Request-ID": "contract-1"}
    )
    assert status == 200
    assert headers["x-request-id"] == "contract-1"
    assert first["reply"] == "Offline reply to turn 1: you said 'Hello'."
    assert set(first) == {"conversation_id", "reply", "model", "usage"}
    assert set(first["usage"]) == {"input_tokens", "output_tokens"}
    cid = first["conversation_id"]

    status, _, second = server.exchange(
        "POST", "/v1/chat", {"message": "And?", "conversation_id": cid}
    )
    assert status == 200 and second["reply"].startswith("Offline reply to turn 2")

    conn, response = _stream(server.port, {"message": "Stream it", "conversation_id": cid})
    assert response.getheader("content-type").startswith("text/event-stream")
    events = _events(response.read().decode())
    conn.close()
    assert [name for name, _ in events[:-1]] == ["delta"] * (len(events) - 1)
    assert events[-1][0] == "done"
    assert set(events[-1][1]) == {"conversation_id", "model", "usage"}
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    assert streamed.startswith("Offline reply to turn 3")

    status, _, stored = server.exchange("GET", f"/v1/conversations/{cid}")
    assert status == 200
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 3
    assert stored["messages"][-1]["content"] == streamed
    assert server.exchange("GET", "/v1/conversations/unknown")[0] == 404
    status, _, error = server.exchange("POST", "/v1/chat", {"msg": "wrong field"})
    assert status == 422 and error["error"]["code"] == "invalid_request"

    assert server.stop() == 0
    assert server.process.stderr is not None and server.process.stderr.read() == ""
    lines = server.lines  # every stdout line is JSON, or the reader fails
    assert all({"timestamp", "level", "event", "request_id"} <= set(line) for line in lines)
    tagged = [line for line in lines if line["request_id"] == "contract-1"]
    assert {"llm.call", "http.access"} <= {line["event"] for line in tagged}
    calls = [line for line in lines if line["event"] == "llm.call"]
    assert len(calls) == 3
    assert all(call["prompt_version"] == "chat@1" and call["outcome"] == "ok" for call in calls)


def test_sigterm_ends_an_open_stream_with_a_final_event(project: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    subprocess.run(
        _command(project, "admin", "migrate"),
        cwd=project,
        check=True,
        capture_output=True,
        env=clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{db}"),
    )
    server = _start(project, db, LLM_OFFLINE_DELAY_MS="400", SHUTDOWN_GRACE_S="5")
    _, response = _stream(server.port, {"message": "tell me a long story"})
    assert response.readline().startswith(b"event: delta")
    response.readline(), response.readline()  # the rest of that first event: data, blank line
    sent = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    rest = response.read().decode()
    stream_ended = time.monotonic() - sent
    server.stop()  # waits for the exit the SIGTERM above began
    exited = time.monotonic() - sent
    print(
        f"\nSIGTERM with an open stream: stream ended after {stream_ended:.2f} s, "
        f"process exited after {exited:.2f} s"
    )
    final = _events(rest)[-1]
    message = "the server is shutting down; retry the request"
    name, body = final
    assert name == "error"
    assert body["error"]["code"] == "shutting_down" and body["error"]["message"] == message
    assert body["error"]["request_id"]  # the request's own id, as in every error body
    assert server.process.returncode == 0
    assert exited < 5  # SHUTDOWN_GRACE_S bounds it
    assert server.process.stderr is not None and server.process.stderr.read() == ""
    assert server.events("app.stopped")


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"PORT": "http"}, ["PORT"]), ({"LLM_PROVIDER": "openai"}, ["LLM_MODEL", "OPENAI_API_KEY"])],
)
def test_config_error_is_named_without_traceback(
    project: Path, env: dict[str, str], expected: list[str]
) -> None:
    for args in (("serve",), ("admin", "check")):
        started = time.monotonic()
        result = subprocess.run(
            _command(project, *args),
            cwd=project,
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=30,
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 78
        assert result.stderr == "" and "Traceback" not in result.stdout
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["event"] for line in lines] == ["config.invalid"] * len(expected)
        assert [line["variable"] for line in lines] == expected
        assert elapsed < 5, elapsed


def test_admin_tasks_are_listed_and_check_reports(project: Path, tmp_path: Path) -> None:
    listed = subprocess.run(
        _command(project, "admin", "tasks"),
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = [json.loads(line)["name"] for line in listed.splitlines()]
    assert names[:3] == ["migrate", "check", "release-info"]
    env = clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    before = subprocess.run(
        _command(project, "admin", "check"), cwd=project, env=env, capture_output=True, text=True
    )
    assert before.returncode == 1
    found = {line["component"]: line for line in _admin_events(before.stdout, "admin.check")}
    assert found["database"]["ok"] is False and "run migrate" in found["database"]["detail"]
    subprocess.run(
        _command(project, "admin", "migrate"), cwd=project, env=env, check=True, capture_output=True
    )
    after = subprocess.run(
        _command(project, "admin", "check"), cwd=project, env=env, capture_output=True, text=True
    )
    assert after.returncode == 0, after.stdout
    checked = [
        (line["component"], line["ok"]) for line in _admin_events(after.stdout, "admin.check")
    ]
    assert checked == [("config", True), ("database", True), ("provider", True)]


def _admin_events(output: str, event: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    return [line for line in lines if line["event"] == event]


def test_built_wheel_runs_release_and_check_outside_the_project(
    project: Path, tmp_path: Path
) -> None:
    """What the Docker image does: a non-editable install, run from another directory."""
    run(project, UV, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist"))
    wheel = next((tmp_path / "dist").glob("*.whl"))
    # The page's files are package data: the wheel (so the image) carries them.
    packed = set(zipfile.ZipFile(wheel).namelist())
    page = {"page/web/index.html", "page/web/app.js", "page/web/page.css"}
    page |= {f"{use_case}/web/tab.js" for use_case in ("chat", "generate", "analyze")}
    page |= {f"docs/files/{name}" for name in ("swagger.html", "redoc.html", "swagger-init.js")}
    assert {f"acme_helper/features/{name}" for name in page} <= packed
    venv = tmp_path / "venv"
    run(project, UV, "venv", "--quiet", str(venv))
    env = clean_env(VIRTUAL_ENV=str(venv))
    subprocess.run([UV, "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=env, check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    app_env = clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    command = str(venv / "bin" / SLUG)
    for task in ("migrate", "check"):
        result = subprocess.run(
            [command, "admin", task],
            cwd=elsewhere,
            env=app_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result


def test_procfile_and_dockerfile_follow_build_release_run(project: Path) -> None:
    procfile = (project / "Procfile").read_text().splitlines()
    assert procfile == [
        f"web: {SLUG} serve",
        f"worker: {SLUG} worker",
        f"release: {SLUG} admin migrate",
    ]
    dockerfile = (project / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") == 2
    assert "USER 10001:10001" in dockerfile  # numeric: Kubernetes can verify runAsNonRoot
    assert "chown" not in dockerfile  # nothing in the image is the service's to write
    assert "HEALTHCHECK" in dockerfile and '"-m", "acme_helper.healthcheck"]' in dockerfile
    assert f'ENTRYPOINT ["{SLUG}"]' in dockerfile
    assert ".env" in (project / ".dockerignore").read_text().split()
    assert os.access(project / ".venv" / "bin" / SLUG, os.X_OK)
