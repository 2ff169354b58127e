"""The chat use case's probe."""

import httpx

from ...support.probes import Probe

PROBE = Probe("chat", "/v1/chat", 200, json={"message": "hi"})


def say(client: httpx.Client, text: str) -> None:
    """Send ``text`` to the model through this use case (a chat message)."""
    assert client.post("/v1/chat", json={"message": text}).status_code == 200
