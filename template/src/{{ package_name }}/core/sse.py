"""Server-sent events: encoding, documenting, and ending a stream cleanly at shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MEDIA_TYPE = "text/event-stream"


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def content(**events: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``content`` of a stream of these events: name -> the model of its data.

    The schema describes one event, as Open API before 3.2 does: its name, and its data as
    JSON of the model. A model's nested models are referred to among the document's
    components, so each must appear in some route's request or response too.
    """
    schemas = []
    for name, model in events.items():
        data = model.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        data.pop("$defs", None)
        schemas.append(
            {
                "type": "object",
                "properties": {
                    "event": {"const": name},
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": data,
                    },
                },
                "required": ["event", "data"],
            }
        )
    return {MEDIA_TYPE: {"schema": {"oneOf": schemas}}}


class ShutdownError(Exception):
    """The server began shutting down while the stream was open."""


async def until_shutdown(items: AsyncIterator[T], shutdown: asyncio.Event) -> AsyncIterator[T]:
    """Yield from ``items`` until they end, or raise ShutdownError once ``shutdown`` is set.

    Waiting on both at once means a stalled provider cannot hold the shutdown up.
    """
    shutdown_wait = asyncio.ensure_future(shutdown.wait())
    try:
        while True:
            step = asyncio.ensure_future(anext(items))
            await asyncio.wait({step, shutdown_wait}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                step.cancel()
                await asyncio.gather(step, return_exceptions=True)
                raise ShutdownError
            try:
                item = step.result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        shutdown_wait.cancel()
