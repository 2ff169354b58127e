"""Port binding (factor VII) and disposability (factor IX): uvicorn, run in-process.

On SIGTERM or SIGINT the server stops accepting connections, lets in-flight requests
finish, and ends open event streams at once with a final ``error`` event so that clients
can retry elsewhere. ``SHUTDOWN_GRACE_S`` bounds the whole drain. A graceful stop exits 0.
"""

from __future__ import annotations

import asyncio
import math
import signal
import socket
from types import FrameType

import uvicorn

from .app import create_app
from .core.feature import Process
from .core.header_limit import limited_to
from .llm.services import Services


class _Server(uvicorn.Server):
    """A uvicorn server that also tells the app, at once, that shutdown has begun."""

    def __init__(self, config: uvicorn.Config, stopping: asyncio.Event) -> None:
        super().__init__(config)
        self.stopping = stopping
        self.loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        super().handle_exit(sig, frame)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(process: Process[Services]) -> int:
    """``<slug> serve``: the web process, on ``HOST:PORT``, until SIGTERM."""
    settings, stopping = process.settings, asyncio.Event()
    config = uvicorn.Config(
        create_app(settings, process.features, stopping),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=True,
        server_header=False,
        http=limited_to(settings.max_header_bytes),  # httptools, with a bounded head
        timeout_graceful_shutdown=max(1, math.ceil(settings.shutdown_grace_s)),
    )
    # uvicorn re-raises the signal it stopped on, once it is done; exit 0 instead.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    server = _Server(config, stopping)
    server.run()
    return 0 if server.started else 1
