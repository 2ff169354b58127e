"""Server-sent events: encoding, and ending a stream cleanly when the server shuts down."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, TypeVar

T = TypeVar("T")

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


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
