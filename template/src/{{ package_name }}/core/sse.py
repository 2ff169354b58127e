"""Server-sent events: encoding, documenting, and ending a stream cleanly at shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

T = TypeVar("T")

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MEDIA_TYPE = "text/event-stream"


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def comment(text: str) -> str:
    """A comment line: clients ignore it; proxies and dead peers see the stream is alive."""
    return f": {text}\n\n"


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


class ClientGone(Exception):
    """The client closed the connection while the stream was open: nobody reads it."""


class HeldStream(StreamingResponse):
    """An event stream that gives back what it holds (``release``) once it ends, however it
    ends: its last event sent, its client gone, the server stopping."""

    def __init__(self, events: AsyncIterator[str], release: Callable[[], Awaitable[None]]):
        super().__init__(events, media_type=MEDIA_TYPE, headers=HEADERS)
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await asyncio.shield(self.release())  # to the end, even if the request is cancelled


Watch = Callable[[], Awaitable[object]]
_closing: set[asyncio.Future[Any]] = set()  # generators being closed: kept until they are


def disconnected(request: Request) -> Watch:
    """A watch that returns once the client of ``request`` has gone (its body already read).

    Starlette also listens for the disconnect while it streams, under ASGI before 2.4; this
    watch does not depend on it, and lets the stream stop even while nothing is sent.
    """

    async def gone() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            continue

    return gone


async def watched(
    items: AsyncIterator[T], shutdown: asyncio.Event, gone: Watch | None = None
) -> AsyncIterator[T]:
    """Yield from ``items`` until they end; raise ShutdownError once ``shutdown`` is set, and
    ClientGone once ``gone`` returns (the client left).

    Waiting on all at once means a stalled provider cannot hold a shutdown up, and a stream
    nobody reads stops at once, whether or not anything changed. However this ends (its
    consumer cancelled too), ``items`` is closed at once, in a task of this request's context:
    its cleanup (accounting, closing a provider's stream, logs) never waits for the garbage
    collector, and its log lines carry this request's owner and id.
    """
    waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(shutdown.wait())]
    if gone is not None:
        waits.append(asyncio.ensure_future(gone()))
    step: asyncio.Future[Any] | None = None
    try:
        while True:
            step = asyncio.ensure_future(anext(items))
            await asyncio.wait({step, *waits}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                raise ClientGone if len(waits) > 1 and waits[1].done() else ShutdownError
            try:
                item = step.result()
            except StopAsyncIteration:
                return
            step = None
            yield item
    finally:
        for wait in waits:
            wait.cancel()
        _close(items, step)


def _close(items: AsyncIterator[T], step: asyncio.Future[Any] | None) -> None:
    """Stop ``items`` now: cancel the step under way, else close the generator."""
    if step is not None and not step.done():
        step.cancel()  # the cancellation ends the generator inside its step's task
        _closing.add(step)  # kept until its cleanup (settling the call, say) is done
        step.add_done_callback(_closing.discard)
        return
    close = getattr(items, "aclose", None)
    if close is not None:
        task = asyncio.ensure_future(close())
        _closing.add(task)
        task.add_done_callback(_closing.discard)
