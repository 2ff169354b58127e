"""Logs as an event stream (factor XI): one JSON object per line on stdout.

The service's own structlog events, uvicorn's error and access logs and any library's
standard-library logging all go through one handler with one JSON formatter. Every line
carries ``timestamp``, ``level``, ``event``, ``request_id`` (null outside a request) and the
release's ``version`` and ``commit`` (``release.py``), so that a line names the build it came from,
and ``trace_id`` and ``span_id`` (hex): the current span's, with OpenTelemetry on
(``telemetry.py``) and inside a request, job or admin task; null otherwise.

Exceptions are logged with their type, message and traceback, never the frames' local
variables (one of them may hold a request's ``Authorization`` header), and every line goes
through the redactor last: configured secrets and URL passwords never reach the output.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor

from .redaction import REDACTOR
from .release import current as current_release
from .telemetry import current_ids

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
# Libraries' loggers that say nothing an operator needs at INFO.
QUIET_LOGGERS = {"alembic.runtime.plugins": logging.WARNING}  # a line per plugin, at each start


def _default_request_id(_: Any, __: str, event_dict: EventDict) -> EventDict:
    event_dict.setdefault("request_id", None)
    return event_dict


def _trace_ids(_: Any, __: str, event_dict: EventDict) -> EventDict:
    ids = current_ids()
    event_dict["trace_id"], event_dict["span_id"] = ids if ids is not None else (None, None)
    return event_dict


def _release_fields(version: str, commit: str | None) -> Processor:
    def add(_: Any, __: str, event_dict: EventDict) -> EventDict:
        event_dict["version"], event_dict["commit"] = version, commit
        return event_dict

    return add


def _access_fields(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """Give uvicorn's access line structured fields instead of a formatted string."""
    args = event_dict.pop("positional_args", None)
    record = event_dict.get("_record")
    if record is None or record.name != "uvicorn.access":
        return event_dict
    if isinstance(args, tuple) and len(args) == 5:
        client, method, path, http_version, status = args
        event_dict.update(
            event="http.access",
            client=client,
            method=method,
            path=path,
            http_version=http_version,
            status=status,
        )
    return event_dict


def _redact(_: Any, __: str, event_dict: EventDict) -> EventDict:
    redacted: EventDict = REDACTOR.value(event_dict)
    return redacted


def configure_logging(level: str, secrets: list[str] | None = None) -> None:
    """Send every log record to stdout as one JSON line; nothing goes to stderr or files.

    ``secrets`` are masked wherever they appear (see ``redaction.py``).
    """
    REDACTOR.add(secrets or [])
    release = current_release()
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _default_request_id,
        _trace_ids,
        _release_fields(release.version, release.commit),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _access_fields],
        pass_foreign_args=True,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            _redact,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet_level, logging.getLevelName(level)))
    logging.captureWarnings(True)
