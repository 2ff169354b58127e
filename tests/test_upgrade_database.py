"""A database of the last release, upgraded by the template as it is now (SQLite and Postgres).

The last release in ``releases.toml`` is rendered from its commit, migrates a database and
stores a conversation and a job through its own API; then the project of now (the default
answers, as the release's) serves that database: not ready, until its ``admin migrate``
re-stamps and upgrades it; then ready, at its heads, with the rows there. The release, still
running during a rollout, serves the upgraded database too.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tooling.processes import ServiceProcess, Web, free_port, request

from .conftest import DEFAULT_ANSWERS, SERVICE_SLUG, UV, run
from .template_versions import LAST_RELEASE, archive_release

pytestmark = pytest.mark.slow
# A revision id that names its branch (every id since v0.3.0's successor).
BRANCH_ID = re.compile(r"[a-z][a-z0-9_]*_\d{4}")


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The last release's project, with the default answers, rendered with its hooks, synced."""
    from copier import run_copy

    version, _ = LAST_RELEASE
    source = archive_release(version, tmp_path_factory.mktemp("release") / "twelve-factor-llm")
    path = tmp_path_factory.mktemp("released") / SERVICE_SLUG
    run_copy(str(source), path, data=DEFAULT_ANSWERS, defaults=True, unsafe=True, quiet=True)
    run(path, UV, "sync", "--locked")
    return path


# One statement on the Postgres server, by a project's own driver (its app is not imported).
ON_SERVER = """import asyncio, sys, asyncpg
async def main():
    connection = await asyncpg.connect(sys.argv[1])
    await connection.execute(sys.argv[2])
    await connection.close()
asyncio.run(main())"""


def _on_server(project: Path, server: str, statement: str) -> None:
    python = str(project / ".venv" / "bin" / "python")
    run(project, python, "-c", ON_SERVER, server, statement)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, released: Path, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: an SQLite file, or one on TEST_DATABASE_URL's server."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'released.db'}"
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.fail("TEST_DATABASE_URL must be set (see README): the upgrade runs on Postgres too")
    name = f"upgrade_{uuid.uuid4().hex[:12]}"
    _on_server(released, server, f'CREATE DATABASE "{name}"')
    yield urlsplit(server)._replace(path=f"/{name}").geturl()
    _on_server(released, server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(project: Path, url: str, *args: str) -> list[dict[str, Any]]:
    result = run(project, str(project / ".venv/bin" / SERVICE_SLUG), "admin", *args,
                 env={"DATABASE_URL": url})  # fmt: skip
    return [json.loads(line) for line in result.stdout.splitlines()]


def _events(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["event"] == name]


def _store_a_conversation_and_a_job(web: Web) -> tuple[str, dict[str, Any]]:
    status, reply = web.call("POST", "/v1/chat", {"message": "Hello from the last release"})
    assert status == 200, reply
    status, queued = web.call(
        "POST", "/v1/generate", {"template": "blog_outline", "variables": {"topic": "tea"}}
    )
    assert status == 202, queued
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, job = web.call("GET", f"/v1/jobs/{queued['job_id']}")
        assert status == 200, job
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "succeeded", job
            return str(reply["conversation_id"]), job
        time.sleep(0.05)
    raise AssertionError(f"the release's job did not end: {job}")


def _readiness(port: int, process: ServiceProcess, timeout: float = 60) -> tuple[int, Any]:
    """``GET /readyz`` once the process answers, whatever the status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.process.poll() is None, process.lines[-10:]
        try:
            return request(port, "GET", "/readyz", timeout=5)
        except OSError:
            time.sleep(0.02)
    raise AssertionError(f"serve did not answer within {timeout} s: {process.lines[-10:]}")


def test_a_database_of_the_last_release_upgrades_to_now(
    released: Path, project: Path, database: str
) -> None:
    env = {"DATABASE_URL": database}
    _admin(released, database, "migrate")
    old = Web(released, SERVICE_SLUG, env)
    try:
        released_revision = old.call("GET", "/readyz")[1]["schema_revision"]
        conversation_id, job = _store_a_conversation_and_a_job(old)
    finally:
        old.stop()

    port = free_port()
    new = ServiceProcess(project, SERVICE_SLUG, ["serve"], {**env, "PORT": str(port)})
    try:
        status, body = _readiness(port, new)
        assert status == 503, body  # served, not ready: the schema is the release's
        assert body["reason"].startswith(f"database schema is at {released_revision}, expected ")
        assert body["reason"].endswith(": run the migrate admin task")

        migrated = _admin(project, database, "migrate")
        (done,) = _events(migrated, "admin.migrate.done")
        heads = str(done["revision"])
        assert all(BRANCH_ID.fullmatch(head) for head in heads.split("+")), heads
        if not all(BRANCH_ID.fullmatch(r) for r in released_revision.split("+")):
            # The release's ids came before they named their branch: re-stamped first.
            (restamped,) = _events(migrated, "migrations.restamped")
            assert set(restamped["renamed"]) == set(released_revision.split("+"))

        assert request(port, "GET", "/readyz") == (
            200,
            {"status": "ready", "schema_revision": heads},
        )
        status, conversation = request(port, "GET", f"/v1/conversations/{conversation_id}")
        assert status == 200, conversation
        messages = [(m["role"], m["content"]) for m in conversation["messages"]]
        assert messages[0] == ("user", "Hello from the last release") and len(messages) == 2
        status, stored = request(port, "GET", f"/v1/jobs/{job['job_id']}")
        assert status == 200 and stored["status"] == "succeeded", stored
        assert stored["result"] == job["result"]
    finally:
        new.stop()
    # A replica of the release, during the rollout, still serves the re-stamped database (ready
    # at a schema past its own: every branch at an id it does not know).
    old = Web(released, SERVICE_SLUG, env)
    try:
        assert old.call("GET", "/readyz") == (200, {"status": "ready", "schema_revision": heads})
        assert old.call("GET", f"/v1/conversations/{conversation_id}")[0] == 200
    finally:
        old.stop()
