"""A conversation deleted while one of its turns waits for the model: the turn answers 404
``not_found`` (streamed: an ``error`` event), and no database error is logged, since the
database did nothing wrong."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ...support.running import events, json_lines, start_server
from ...support.sse_events import parse
from .long_history import messages_at, seed_at

DELAY_S = 0.3  # the offline provider's, a word: the reply to the second turn has 7 words


def _delete(base: str, conversation_id: str) -> int:
    request = urllib.request.Request(f"{base}/v1/conversations/{conversation_id}", method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def _post(base: str, body: dict[str, Any]) -> http.client.HTTPResponse:
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("POST", "/v1/chat", json.dumps(body), {"Content-Type": "application/json"})
    return connection.getresponse()


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_turn_whose_conversation_is_deleted_meanwhile_is_not_found(
    database_url: str, tmp_path: Path, stream: bool
) -> None:
    conversation_id = asyncio.run(seed_at(database_url, 2))
    env = {"DATABASE_URL": database_url, "LLM_OFFLINE_DELAY_MS": str(int(DELAY_S * 1000))}
    process, base = start_server(env, tmp_path)
    try:
        body = {"message": "still there?", "conversation_id": conversation_id, "stream": stream}
        started = time.monotonic()
        if stream:
            response = _post(base, body)
            assert response.status == 200
            assert response.readline().startswith(b"event: delta")  # stored, model answering
            assert _delete(base, conversation_id) == 204
            streamed = parse(response.read().decode().splitlines())
            assert streamed[-1][0] == "error", streamed
            error = streamed[-1][1]["error"]
        else:
            answers: list[tuple[int, dict[str, Any]]] = []

            def send() -> None:
                response = _post(base, body)
                answers.append((response.status, json.loads(response.read())))

            sending = threading.Thread(target=send)
            sending.start()
            time.sleep(3 * DELAY_S)  # the history is read; the model answers for 2.1 s
            assert _delete(base, conversation_id) == 204
            sending.join(timeout=30)
            ((status, answer),) = answers
            assert status == 404, answer
            error = answer["error"]
        # The model was asked (the turn read the conversation before it was deleted):
        assert time.monotonic() - started >= 6 * DELAY_S
        assert error["code"] == "not_found"
        assert conversation_id in error["message"]
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=20)
    assert events(stdout, "database.error") == []
    assert [line for line in json_lines(stdout) if line["level"] == "error"] == []
    (call,) = events(stdout, "llm.call")
    assert call["outcome"] == "ok"
    assert asyncio.run(messages_at(database_url, conversation_id)) == 0  # none left behind
