"""A client that goes away in the middle of a streamed reply: its message stays stored."""

from __future__ import annotations

import http.client
import json
import signal
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ...support.running import migrated_sqlite, start_server


def _get(base: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:
        found: dict[str, Any] = json.loads(response.read())
        return found


def test_a_client_gone_mid_stream_leaves_its_message_stored(tmp_path: Path) -> None:
    # 0.2 s a word: the offline reply streams for well over a second.
    env = {**migrated_sqlite(tmp_path), "LLM_OFFLINE_DELAY_MS": "200"}
    process, base = start_server(env, tmp_path)
    try:
        request = urllib.request.Request(
            f"{base}/v1/chat",
            data=json.dumps({"message": "first"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            conversation_id = json.loads(response.read())["conversation_id"]

        address = urlsplit(base)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        body = {"message": "second", "conversation_id": conversation_id, "stream": True}
        connection.request(
            "POST", "/v1/chat", json.dumps(body), {"Content-Type": "application/json"}
        )
        streamed = connection.getresponse()
        assert streamed.status == 200
        assert streamed.readline().startswith(b"event: delta")
        connection.close()  # gone, mid-stream

        time.sleep(3)  # longer than the whole reply would have taken
        stored = _get(base, f"/v1/conversations/{conversation_id}")["messages"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    # The first turn, then the second message; of the reply cut short, nothing.
    assert [message["role"] for message in stored] == ["user", "assistant", "user"]
    assert (stored[0]["content"], stored[2]["content"]) == ("first", "second")
