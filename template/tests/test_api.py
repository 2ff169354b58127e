"""The HTTP contract: health, chat, continuation, conversations, errors and auth."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_when_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_503_before_migrations(make_client: Callable[..., TestClient], tmp_path) -> None:
    client = make_client(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "migrate" in response.json()["reason"]


@pytest.mark.parametrize(
    "url", ["sqlite:////nonexistent-dir/x.db", "postgresql://postgres@127.0.0.1:9/closed"]
)
def test_database_down_is_503_json(make_client: Callable[..., TestClient], url: str) -> None:
    client = make_client(database_url=url)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "unreachable" in response.json()["reason"]
    chat = client.post("/v1/chat", json={"message": "hi"})
    assert chat.status_code == 503
    assert chat.json()["error"]["code"] == "database_unavailable"
    assert client.get("/healthz").status_code == 200


def test_chat_replies_and_reports_usage(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": "Hello there"})
    assert response.status_code == 200
    body = response.json()
    assert body["reply"] == "Offline reply to turn 1: you said 'Hello there'."
    assert body["model"] == "offline-echo"
    assert body["usage"]["input_tokens"] > 0
    assert body["usage"]["output_tokens"] == len(body["reply"].split())
    assert len(body["conversation_id"]) == 36


def test_conversation_continues_with_history(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": "one"}).json()
    cid = first["conversation_id"]
    second = client.post("/v1/chat", json={"message": "two", "conversation_id": cid}).json()
    assert second["conversation_id"] == cid
    assert second["reply"].startswith("Offline reply to turn 2")
    stored = client.get(f"/v1/conversations/{cid}").json()["messages"]
    assert [(m["role"], m["content"]) for m in stored] == [
        ("user", "one"),
        ("assistant", first["reply"]),
        ("user", "two"),
        ("assistant", second["reply"]),
    ]
    assert stored[1]["prompt_version"] == "chat@1"
    assert stored[0]["prompt_version"] is None


def test_unknown_conversation_is_404(client: TestClient) -> None:
    response = client.get("/v1/conversations/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = client.post("/v1/chat", json={"message": "hi", "conversation_id": "nope"})
    assert response.status_code == 404


def test_bad_bodies_get_422_json(client: TestClient) -> None:
    for body in ({}, {"message": ""}, {"message": 3}, {"message": "x", "extra": 1}):
        response = client.post("/v1/chat", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_request"
    response = client.post(
        "/v1/chat", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_api_keys_guard_v1(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys="k1, k2")
    missing = client.post("/v1/chat", json={"message": "hi"})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    wrong = client.post("/v1/chat", json={"message": "hi"}, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    ok = client.post("/v1/chat", json={"message": "hi"}, headers={"Authorization": "Bearer k2"})
    assert ok.status_code == 200
    assert client.get("/healthz").status_code == 200


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/v1/chat" in client.get("/openapi.json").json()["paths"]
