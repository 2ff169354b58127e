"""Run eval cases against the configured provider, at most ``concurrency`` at a time.

Each run gets a scratch SQLite database in a temporary folder (the tables created from the
models, removed afterwards): a case stores what its use case stores, and none of it reaches
the service's database. The response cache is off (Redis is not used), so every case asks
the model. A case that raises fails, with the error as its detail; the run goes on.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from ..composition import discover, open_services
from ..core.database import Base, writing
from ..core.evaluation import Outcome, UseCase
from ..core.settings import Settings
from ..llm.services import Services
from .cases import Case
from .checks import CheckResult, grade
from .judge import judge

MAX_ANSWER = 2_000  # characters of an answer kept in the report


@dataclass
class CaseResult:
    use_case: str
    name: str
    passed: bool
    latency_ms: float
    checks: list[CheckResult]
    answer: str = ""
    error: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    requests: int = 0
    cost: float | None = None


@dataclass
class Run:
    results: list[CaseResult]
    max_in_flight: int
    duration_ms: float
    provider: str
    model: str
    extra: dict[str, object] = field(default_factory=dict)


def _first_line(exc: BaseException) -> str:
    text = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _run_case(services: Services, use_case: UseCase[Services], case: Case) -> CaseResult:
    started = time.perf_counter()
    try:
        outcome: Outcome = await use_case.run(services, case.input)
    except Exception as exc:  # noqa: BLE001 - a failing case is a result, not a crash
        latency = round((time.perf_counter() - started) * 1000, 1)
        failed = CheckResult("runs", None, False, _first_line(exc))
        return CaseResult(case.use_case, case.name, False, latency, [failed], error=failed.detail)
    latency = round((time.perf_counter() - started) * 1000, 1)
    checks = grade(case.expect, outcome, latency)
    if case.expect.judge is not None:
        rubric = case.expect.judge
        checks.append(await judge(services.llm, rubric, case.input.model_dump(), outcome.text))
    return CaseResult(
        case.use_case,
        case.name,
        all(check.passed for check in checks),
        latency,
        checks,
        answer=outcome.text[:MAX_ANSWER],
        model=outcome.model,
        prompt_version=outcome.prompt_version,
        input_tokens=outcome.input_tokens,
        output_tokens=outcome.output_tokens,
        requests=outcome.requests,
        cost=outcome.cost,
    )


def _scratch(settings: Settings, folder: Path) -> Settings:
    url = f"sqlite+aiosqlite:///{folder / 'evals.db'}"
    return settings.model_copy(update={"database_url": SecretStr(url), "redis_url": None})


async def run_cases(
    settings: Settings,
    use_cases: dict[str, UseCase[Services]],
    cases: Sequence[Case],
    concurrency: int,
    done: Callable[[CaseResult], None],
) -> Run:
    """Every case's result, in the order given; ``done`` is called as each one ends."""
    started = time.perf_counter()
    in_flight = most = 0
    discover()  # every feature's models, then their tables
    with tempfile.TemporaryDirectory(prefix="evals-") as folder:
        scratch = _scratch(settings, Path(folder))
        async with open_services(scratch, asyncio.Event()) as services:
            async with writing(services.engine) as connection:
                await connection.run_sync(Base.metadata.create_all)
            gate = asyncio.Semaphore(concurrency)

            async def one(case: Case) -> CaseResult:
                nonlocal in_flight, most
                async with gate:
                    in_flight += 1
                    most = max(most, in_flight)
                    try:
                        result = await _run_case(services, use_cases[case.use_case], case)
                    finally:
                        in_flight -= 1
                done(result)
                return result

            results = list(await asyncio.gather(*(one(case) for case in cases)))
            provider, model = services.llm.name, services.llm.model
    duration = round((time.perf_counter() - started) * 1000, 1)
    return Run(results, most, duration, provider, model)
