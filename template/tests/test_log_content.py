"""Message content in the logs of a real service process: none by default, masked when on.

Each use case sends the same text, holding an e-mail address, a card number and a plain
marker word, through its own endpoint (its probe's ``say``); the process's stdout is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .support.probes import modules
from .support.running import events, migrated_sqlite, start_server

TEXT = "zebracorn: write to jane.doe@example.com, card 4111 1111 1111 1111"
RAW = ("jane.doe@example.com", "4111 1111 1111 1111")
SAYERS = [module.say for module in modules() if hasattr(module, "say")]


def _output(env: dict[str, str], tmp_path: Path) -> str:
    """The stdout of a service that was sent TEXT through every use case, then stopped."""
    process, base = start_server({**migrated_sqlite(tmp_path), **env}, tmp_path)
    try:
        with httpx.Client(base_url=base, timeout=20) as client:
            for say in SAYERS:
                say(client, TEXT)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    return output


@pytest.fixture(scope="module")
def content_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield _output({"LOG_CONTENT": "true"}, tmp_path_factory.mktemp("on"))


@pytest.fixture(scope="module")
def content_off(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield _output({}, tmp_path_factory.mktemp("off"))


def test_there_is_a_use_case_to_send_text_through() -> None:
    assert SAYERS


def test_with_log_content_each_call_logs_its_messages_and_reply_masked(content_on: str) -> None:
    calls = events(content_on, "llm.call")
    assert len(calls) == len(SAYERS)
    for call in calls:
        sent = json.dumps(call["messages"])
        assert "zebracorn" in sent and "[email]" in sent and "[card]" in sent
        assert "[email]" in str(call["response"])  # the offline reply echoes the input
    assert not [raw for raw in RAW if raw in content_on]


def test_by_default_no_message_content_is_logged(content_off: str) -> None:
    calls = events(content_off, "llm.call")
    assert len(calls) == len(SAYERS)
    assert all("messages" not in call and "response" not in call for call in calls)
    assert "zebracorn" not in content_off  # nowhere, in any line
    assert not [raw for raw in RAW if raw in content_off]
