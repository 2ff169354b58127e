"""How a run shows its progress: a bar on a terminal (stderr), JSON events otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

import structlog

from .runner import CaseResult

log = structlog.get_logger(__name__)
WIDTH = 30


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty()
        self.done = self.failed = 0

    def __call__(self, result: CaseResult) -> None:
        self.done += 1
        self.failed += not result.passed
        if not self.bar:
            log.info(
                "eval.case",
                use_case=result.use_case,
                case=result.name,
                passed=result.passed,
                latency_ms=result.latency_ms,
                failed_checks=[c.check for c in result.checks if not c.passed],
                error=result.error,
            )
            return
        filled = WIDTH * self.done // max(self.total, 1)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} cases,"
            f" {self.failed} failed"
        )
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()
