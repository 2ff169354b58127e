"""One cheap ``/v1`` request per use case, for the tests of what every endpoint shares.

Auth, rate limits, outages and logs behave the same on every endpoint, so those tests run
against each use case's probe. A use case brings its module here, defining ``PROBE``; the
package finds them, as ``api/`` finds the routes.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import urllib.request
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient


@dataclass(frozen=True)
class Probe:
    """A POST that touches the database and succeeds with ``status``."""

    name: str
    path: str
    status: int
    json: Any = None
    content: bytes | None = None
    content_type: str = "application/json"
    redis_down_status: int | None = None  # when REDIS_URL points at a Redis that is down

    @property
    def body(self) -> bytes:
        return self.content if self.content is not None else json.dumps(self.json).encode()

    def send(self, client: TestClient, **headers: str) -> httpx.Response:
        headers = {"Content-Type": self.content_type, **headers}
        return client.post(self.path, content=self.body, headers=headers)

    def request(self, base: str, **headers: str) -> urllib.request.Request:
        headers = {"Content-Type": self.content_type, **headers}
        return urllib.request.Request(base + self.path, data=self.body, headers=headers)


def modules() -> list[Any]:
    """Every use case's probe module."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


PROBES: list[Probe] = [module.PROBE for module in modules()]
