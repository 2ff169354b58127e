"""Bound a request's head: ``MAX_HEADER_BYTES`` for its request line and header fields together.

uvicorn's fast parser (httptools) keeps a header line in memory until the line ends, so a
check on whole headers comes too late: a 100 MB header would be read, and copied, first. This
protocol counts the bytes of a request's head as they arrive, feeds the parser no more than
the limit leaves room for, and answers 431 in the usual error shape as soon as the head is
over it: before any middleware, authentication or route sees the request. Then it closes the
connection, unread; a request already running on that connection finishes first.

A head's size is the bytes of its request line and header lines, their line ends and the
blank line that ends them, as a client sends them (one space after each ``:``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httptools
import structlog
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from .errors import error_body

log = structlog.get_logger(__name__)

SETTING = "MAX_HEADER_BYTES"
# Of a request line, besides its method and target: " ", " HTTP/1.1\r\n"; then the blank line.
REQUEST_LINE_REST = len(b"  HTTP/1.1\r\n") + len(b"\r\n")
HEADER_LINE_REST = len(b": \r\n")


class _HeadTooLarge(Exception):
    """Raised in a parser callback to stop the parser where the head passed the limit."""


class HeaderLimitProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a head over ``max_header_bytes`` with a 431."""

    max_header_bytes = 16_384

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._in_head = False  # between a request's first byte and the end of its headers
        self._began = False  # a request began in the bytes being fed
        self._parsed = 0  # bytes of the head the parser has handed over, exactly
        self._received = 0  # bytes of the head received: at least ``_parsed``
        self._refused = False

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        rest = memoryview(data)
        while rest and not self._refused:
            if self._in_head:  # never more than one byte past the limit into the parser
                room = self.max_header_bytes - self._received + 1
                piece, rest = rest[:room], rest[room:]
            else:
                piece, rest = rest, rest[:0]
            self._began = False
            if not self._feed(piece):
                return
            if self._in_head:
                # The whole piece is head, unless the request began inside it: then what the
                # parser has handed over is what is known (the rest is under one read).
                self._received = self._parsed if self._began else self._received + len(piece)
                if self._received > self.max_header_bytes:
                    self._refuse()

    def _feed(self, piece: memoryview) -> bool:
        """Parse ``piece`` as uvicorn does; False when the connection is done with."""
        try:
            self.parser.feed_data(piece)
        except httptools.HttpParserError:
            if self._refused:  # a callback found the head over the limit
                self._answer_when_idle()
                return False
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return False
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return False
        return True

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = self._began = True
        self._parsed = self._received = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + HEADER_LINE_REST)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._count(len(self.parser.get_method()) + REQUEST_LINE_REST)
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self._parsed += size
        if self._parsed > self.max_header_bytes:
            self._refused = True
            raise _HeadTooLarge

    def _refuse(self) -> None:
        self._refused = True
        self._answer_when_idle()

    def _answer_when_idle(self) -> None:
        """The 431 now, or once the requests before it on this connection are answered."""
        if self.pipeline or not (self.cycle is None or self.cycle.response_complete):
            return  # on_response_complete answers it
        if self.transport.is_closing():
            return
        request_id = uuid.uuid4().hex
        message = f"the request's headers are over {SETTING} ({self.max_header_bytes} bytes)"
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            log.warning("http.headers_too_large", limit=self.max_header_bytes)
            body = json.dumps(error_body("headers_too_large", message), separators=(",", ":"))
        head = [STATUS_LINE[431]]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body.encode()),
            b"x-request-id: " + request_id.encode() + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
        ]
        self.transport.write(b"".join([*head, body.encode()]))
        self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refused:
            self._answer_when_idle()


def limited_to(max_header_bytes: int) -> type[HeaderLimitProtocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``, with this limit."""

    class Limited(HeaderLimitProtocol):
        pass

    Limited.max_header_bytes = max_header_bytes
    return Limited
