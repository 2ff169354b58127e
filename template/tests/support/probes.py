"""One cheap ``/v1`` request per use case, for the tests of what every endpoint shares.

Auth, rate limits, outages and logs behave the same on every endpoint, so those tests run
against each use case's probe. A use case's tests folder (``tests/features/<name>/``) brings
its ``probe.py``, defining ``PROBE``; this module finds them, as the app finds features.
"""

from __future__ import annotations

import importlib
import importlib.util
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
    from .. import features

    names = sorted(info.name for info in pkgutil.iter_modules(features.__path__))
    probes = [f"{features.__name__}.{name}.probe" for name in names]
    return [importlib.import_module(name) for name in probes if importlib.util.find_spec(name)]


PROBES: list[Probe] = [module.PROBE for module in modules()]
