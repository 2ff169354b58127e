"""What the OpenAPI document declares about chat: its stream's events and the message roles."""

from __future__ import annotations

from typing import Any

from ...test_openapi import choices, schema


def test_chat_documents_its_stream_and_message_roles(document: dict[str, Any]) -> None:
    content = document["paths"]["/v1/chat"]["post"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatResponse"}
    events = content["text/event-stream"]["schema"]["oneOf"]
    assert [event["properties"]["event"]["const"] for event in events] == ["delta", "done", "error"]
    for event in events:
        assert event["properties"]["data"]["contentMediaType"] == "application/json"
    role = schema(document, "MessageOut")["properties"]["role"]
    assert choices(role) == ["user", "assistant"]
    created_at = schema(document, "MessageOut")["properties"]["created_at"]
    assert created_at["format"] == "date-time"
