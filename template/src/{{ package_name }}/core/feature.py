"""The feature contract: how a feature offers everything it has, in one place.

Each folder under ``features/`` (and the jobs layer, when there is one) defines ``feature``,
a ``Feature``: its routers, kinds of background task, commands, readiness checks, settings,
migration branch, eval runner, page files, OpenAPI additions, the shared settings it needs
in production, what ``admin purge`` may delete and where ``admin usage`` finds its tokens.
The app, the command line and its process types, the admin tasks, the page and the evals
read these and nothing else: adding a use case adds a folder.

The contract is generic in the services a feature is given (``S``: the process's database,
model gateway and limits, ``llm/services.py``), so it lives in ``core`` and every layer
above can offer or read features without importing upwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI
from pydantic_settings import BaseSettings

from .evaluation import UseCase
from .retention import Retention
from .settings import Settings
from .usage import UsageRows

S = TypeVar("S")

TaskHandler = Callable[[S, dict[str, Any]], Awaitable[dict[str, Any]]]
"""Run one background task of a kind: its payload in, the result to store out (ValueError:
the input cannot succeed, no retry)."""

Check = Callable[[S], Awaitable[str | None]]
"""A readiness check: None when ready, else why not (``/readyz`` answers 503 with it)."""

ServicesFactory = Callable[[Settings, asyncio.Event], AbstractAsyncContextManager[S]]
"""Opens the process's services (closed on leaving); the event is set at shutdown."""


@dataclass(frozen=True)
class Process(Generic[S]):
    """What a command is given: its settings, every feature, and a way to open services."""

    settings: Settings
    features: Sequence[Feature[S]]
    services: ServicesFactory[S]


@dataclass(frozen=True)
class Command(Generic[S]):
    """A process type of the command line, besides ``serve`` and ``admin``."""

    help: str
    run: Callable[[Process[S]], int]
    """Run until done or stopped; the exit status."""


Lifespan = Callable[[FastAPI, S, "Sequence[Feature[S]]"], AbstractAsyncContextManager[None]]
"""Entered when the app starts (with every feature of the app), left when it stops."""

Documenter = Callable[[dict[str, Any], Settings, "Sequence[Feature[S]]"], None]
"""Adds to the OpenAPI document what only the settings or the other features know."""


@asynccontextmanager
async def _nothing(app: FastAPI, services: object, features: object) -> AsyncIterator[None]:
    yield


def _no_document(openapi: dict[str, Any], settings: Settings, features: object) -> None:
    return None


@dataclass(frozen=True)
class Feature(Generic[S]):
    """What a feature offers: say what it has, leave out what it has not."""

    name: str
    routers: Sequence[APIRouter] = ()
    tasks: Mapping[str, TaskHandler[S]] = field(default_factory=dict)
    """Its kinds of background task, by the name stored with each task."""
    commands: Mapping[str, Command[S]] = field(default_factory=dict)
    """Process types it adds to the command line, by command name."""
    checks: Mapping[str, Check[S]] = field(default_factory=dict)
    """Readiness checks, by name: ``/readyz`` runs them all."""
    settings: Sequence[type[BaseSettings]] = ()
    """Its own settings classes, read from the environment and checked at every start."""
    migrations: Path | None = None
    """Its Alembic branch: a ``migrations/`` folder whose revisions are ``<name>_NNNN``."""
    evals: UseCase[S] | None = None
    """Its eval runner: what ``admin eval`` and the CI gate call with each case."""
    prompts: Path | None = None
    """A folder of versioned prompts (``*.md``), fingerprinted by ``admin prompts``."""
    web: Path | None = None
    """A folder of page files served at ``/page/<name>/<file>``; ``tab.js`` makes a tab."""
    production_needs: Mapping[str, str] = field(default_factory=dict)
    """Shared settings it cannot do without in production: name -> why."""
    retention: Sequence[Retention] = ()
    """The kinds of row ``admin purge --older-than AGE`` deletes once past the age."""
    usage: Sequence[UsageRows] = ()
    """Where it stored its LLM calls' tokens, for ``admin usage``."""
    lifespan: Lifespan[S] = _nothing
    document: Documenter[S] = _no_document


def tasks_of(features: Sequence[Feature[S]]) -> dict[str, TaskHandler[S]]:
    """Every feature's kinds of background task, by name."""
    return {kind: run for feature in features for kind, run in feature.tasks.items()}


def migration_folders(features: Sequence[Feature[S]]) -> list[Path]:
    """Each feature's Alembic branch."""
    return [feature.migrations for feature in features if feature.migrations is not None]
