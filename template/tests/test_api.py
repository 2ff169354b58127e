"""The HTTP contract every endpoint shares: health, readiness, database outages, auth, ids."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from .support.probes import PROBES, Probe


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body.keys() == {"status", "version", "commit"}


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
    for probe in PROBES:
        response = probe.send(client)
        assert response.status_code == 503, probe.name
        assert response.json()["error"]["code"] == "database_unavailable"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: probe.name)
def test_api_keys_guard_v1(make_client: Callable[..., TestClient], probe: Probe) -> None:
    client = make_client(api_keys="k1-key-0123456789, k2-key-0123456789")
    missing = probe.send(client)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert probe.send(client, Authorization="Bearer x").status_code == 401
    assert probe.send(client, Authorization="Bearer k2-key-0123456789").status_code == probe.status
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
    paths = client.get("/openapi.json").json()["paths"]
    assert {probe.path for probe in PROBES} <= paths.keys()
