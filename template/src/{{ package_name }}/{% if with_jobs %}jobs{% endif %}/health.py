"""The worker's health endpoint: ``GET /healthz`` on ``WORKER_HEALTH_PORT``.

A worker serves no HTTP of its own, so a platform cannot probe it like the web process. With
``WORKER_HEALTH_PORT`` set, it answers on ``0.0.0.0:<port>``: 200 ``{"status": "ok"}`` while
its event loop runs (a blocked loop answers nothing, and the probe fails), 503
``{"status": "stopping"}`` once SIGTERM began the drain. Any other path: 404. Plain asyncio,
no framework: it must stay up while Redis or the database are away (that is no reason to
restart a worker; it reconnects by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import structlog

log = structlog.get_logger(__name__)
READ_TIMEOUT_S = 5.0


def _response(status: int, reason: str, body: dict[str, str]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + payload


def answer(request_line: bytes, stopping: asyncio.Event) -> bytes:
    """The response to one request, from its first line (``GET /healthz HTTP/1.1``)."""
    method, _, rest = request_line.decode("latin-1").partition(" ")
    path = rest.partition(" ")[0].partition("?")[0]
    if method not in {"GET", "HEAD"} or path != "/healthz":
        return _response(404, "Not Found", {"status": "not_found"})
    if stopping.is_set():
        return _response(503, "Service Unavailable", {"status": "stopping"})
    return _response(200, "OK", {"status": "ok"})


@contextlib.asynccontextmanager
async def health_server(port: int, stopping: asyncio.Event) -> AsyncIterator[None]:
    """Serve ``/healthz`` on ``port`` while the block runs; ``port`` 0: serve nothing."""
    if not port:
        yield
        return

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                request_line = await reader.readline()
                while (await reader.readline()).strip():  # the headers: read, ignored
                    pass
            writer.write(answer(request_line, stopping))
            await writer.drain()
        except (TimeoutError, OSError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, host="0.0.0.0", port=port)  # noqa: S104
    log.info("worker.health_serving", port=port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
