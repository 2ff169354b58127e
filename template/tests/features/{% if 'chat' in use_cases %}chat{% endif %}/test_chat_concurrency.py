"""Chat under concurrent requests on SQLite, the default: a real service process, real HTTP.

SQLite takes one writer at a time. The service runs it in WAL mode and queues its own
writes, so concurrent turns wait their turn instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import signal
import sqlite3
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ...support.running import migrated_sqlite, start_server

CLIENTS = 24


def _chat(base: str, message: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    request = urllib.request.Request(
        f"{base}/v1/chat",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        reply: dict[str, Any] = json.loads(response.read())
        return reply


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = migrated_sqlite(tmp_path)
    # A model that takes a moment: the turns overlap, as a real provider's do.
    process, base = start_server({**env, "LLM_OFFLINE_DELAY_MS": "20"}, tmp_path)
    try:
        yield base, tmp_path / "p.db"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert stderr == ""


def test_concurrent_chats_on_sqlite_all_succeed_and_are_all_stored(
    served: tuple[str, Path],
) -> None:
    base, path = served
    with ThreadPoolExecutor(CLIENTS) as pool:
        first = list(pool.map(lambda i: _chat(base, f"first {i}"), range(CLIENTS)))
        second = list(
            pool.map(
                lambda i: _chat(base, f"second {i}", first[i]["conversation_id"]), range(CLIENTS)
            )
        )
    for i, reply in enumerate(second):
        assert reply["conversation_id"] == first[i]["conversation_id"]
        assert reply["reply"] == f"Offline reply to turn 2: you said 'second {i}'."

    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT conversation_id, role, content FROM messages ORDER BY id"
        ).fetchall()
    stored: dict[str, list[tuple[str, str]]] = {}
    for conversation_id, role, content in rows:
        stored.setdefault(conversation_id, []).append((role, content))
    assert len(stored) == CLIENTS
    for i in range(CLIENTS):
        assert stored[first[i]["conversation_id"]] == [
            ("user", f"first {i}"),
            ("assistant", first[i]["reply"]),
            ("user", f"second {i}"),
            ("assistant", second[i]["reply"]),
        ]
