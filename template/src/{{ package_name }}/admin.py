"""Admin processes (factor XII): one-off tasks with the same code and config as ``serve``.

``<slug> admin tasks`` lists them. Add a task by writing a function and registering it in
``TASKS`` with a one-line description.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from .core.redaction import REDACTOR
from .core.settings import Settings


@dataclass(frozen=True)
class AdminTask:
    description: str
    run: Callable[[Settings], int]


def migrate(settings: Settings) -> int:
    from alembic import command

    from .schema import alembic_config

    command.upgrade(alembic_config(settings.database_url.get_secret_value()), "heads")
    print("migrate: the database schema is at the latest revision")
    return 0


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url.get_secret_value()).render_as_string(hide_password=True)


async def _check(settings: Settings) -> list[tuple[str, bool, str]]:
    from .core.database import create_engine
    from .llm.gateway import LLMGateway
    from .llm.provider import ProviderError
    from .schema import current_revision, head_revision

    summary = f"LLM_PROVIDER={settings.llm_provider}, LLM_MODEL={settings.model_name}"
    report = [("config", True, summary)]
    engine = create_engine(settings.database_url.get_secret_value())
    try:
        async with asyncio.timeout(settings.llm_timeout_s):
            current, head = await current_revision(engine), head_revision()
        ok = current == head
        detail = f"{_safe_url(settings)} answers; schema at {current or 'nothing'}"
        report.append(("database", ok, detail + ("" if ok else f", expected {head}: run migrate")))
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is raised
        report.append(("database", False, f"{_safe_url(settings)}: {type(exc).__name__}: {exc}"))
    finally:
        await engine.dispose()
    if settings.redis_url is not None:
        report.append(await _check_redis(settings))
    provider = LLMGateway.from_settings(settings)
    try:
        report.append(("provider", True, await provider.ping()))
    except ProviderError as exc:
        report.append(("provider", False, str(exc)))
    finally:
        await provider.aclose()
    return report


async def _check_redis(settings: Settings) -> tuple[str, bool, str]:
    from .core.redis_client import LazyRedis, redis_errors

    assert settings.redis_url is not None
    redis = LazyRedis(settings.redis_url.get_secret_value())
    try:
        client = await redis.client()
        await client.ping()
        return ("redis", True, f"answers; keys prefixed {settings.redis_key_prefix}:")
    except redis_errors() as exc:
        return ("redis", False, f"unreachable ({type(exc).__name__}): what needs it degrades")
    finally:
        await redis.aclose()


def check(settings: Settings) -> int:
    report = asyncio.run(_check(settings))
    for name, ok, detail in report:
        print(REDACTOR.text(f"{name:<9} {'ok' if ok else 'FAILED':<6} {detail}"))
    return 0 if all(ok for _, ok, _ in report) else 1


TASKS: dict[str, AdminTask] = {
    "migrate": AdminTask("Apply database migrations up to the latest revision", migrate),
    "check": AdminTask("Validate config; ping the database, Redis and the LLM provider", check),
}
