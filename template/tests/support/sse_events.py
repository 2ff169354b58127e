"""Parse a text/event-stream body into (event, data) pairs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def parse(lines: Iterable[str]) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    name, data = "message", []
    for line in lines:
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
        elif line == "" and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    if data:
        events.append((name, json.loads("\n".join(data))))
    return events
