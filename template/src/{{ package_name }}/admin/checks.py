"""``admin check``: is the configuration valid, and do the backing services answer?

One ``admin.check`` event per backing service (``ok`` true or false, and what was found),
then ``admin.check.done``; exit 1 when any failed. An invalid configuration never gets
here: every command refuses it first (exit 78), production's unsafe defaults included.
"""

from __future__ import annotations

import argparse
import asyncio

import structlog
from sqlalchemy.engine import make_url

from ..composition import discover
from ..core.database import create_engine
from ..core.feature import migration_folders
from ..core.redis_client import LazyRedis, redis_errors
from ..core.revision_state import current_revision, head_revision
from ..core.settings import Settings
from ..llm.gateway import LLMGateway
from ..llm.provider import ProviderError
from .task import AdminTask

log = structlog.get_logger(__name__)
Finding = tuple[str, bool, str]


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url.get_secret_value()).render_as_string(hide_password=True)


async def _database(settings: Settings) -> Finding:
    folders = migration_folders(discover())
    engine = create_engine(settings.database_url.get_secret_value())
    try:
        async with asyncio.timeout(settings.llm_timeout_s):
            current, head = await current_revision(engine), head_revision(folders)
        ok = current == head
        detail = f"{_safe_url(settings)} answers; schema at {current or 'nothing'}"
        return ("database", ok, detail + ("" if ok else f", expected {head}: run migrate"))
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is raised
        return ("database", False, f"{_safe_url(settings)}: {type(exc).__name__}: {exc}")
    finally:
        await engine.dispose()


async def _redis(settings: Settings) -> Finding:
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


async def _provider(settings: Settings) -> Finding:
    gateway = LLMGateway.from_settings(settings)
    try:
        return ("provider", True, await gateway.ping())
    except ProviderError as exc:
        return ("provider", False, str(exc))
    finally:
        await gateway.aclose()


async def _findings(settings: Settings) -> list[Finding]:
    summary = (
        f"APP_ENV={settings.app_env}, LLM_PROVIDER={settings.llm_provider}, "
        f"LLM_MODEL={settings.model_name}"
    )
    findings = [("config", True, summary), await _database(settings)]
    if settings.redis_url is not None:
        findings.append(await _redis(settings))
    findings.append(await _provider(settings))
    return findings


def _run(settings: Settings, args: argparse.Namespace) -> int:
    findings = asyncio.run(_findings(settings))
    for name, ok, detail in findings:
        (log.info if ok else log.error)("admin.check", component=name, ok=ok, detail=detail)
    failed = [name for name, ok, _ in findings if not ok]
    log.info("admin.check.done", ok=not failed, failed=failed)
    return 1 if failed else 0


task = AdminTask("validate the config; ping the database, Redis and the LLM provider", _run)
