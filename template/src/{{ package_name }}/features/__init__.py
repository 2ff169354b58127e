"""The service's features: one folder each, found by looking, never by a list to keep.

A folder here is a feature when its package defines ``feature``, an object with the shape
of ``Feature`` below (each feature annotates it, so mypy checks it): its routers, the kinds
of background task it runs, its own settings classes, its Alembic branch, the shared settings
it needs in production, what ``admin purge`` may delete of its rows (``retention``) and where
``admin usage`` finds the tokens it stored (``usage``), and optional startup/shutdown work and
OpenAPI additions. Adding a use case adds a folder; no other file changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fastapi import APIRouter, FastAPI
from pydantic_settings import BaseSettings

if TYPE_CHECKING:
    from ..core.retention import Retention
    from ..core.services import Services
    from ..core.settings import Settings
    from ..core.usage import UsageRows

TaskHandler = Callable[["Services", dict[str, Any]], Awaitable[dict[str, Any]]]
"""Run one background task of a kind: its payload in, the result to store out (ValueError:
the input cannot succeed, no retry)."""
Lifespan = Callable[[FastAPI, "Services"], AbstractAsyncContextManager[None]]
Documenter = Callable[[dict[str, Any], "Settings"], None]


@runtime_checkable
class Feature(Protocol):
    """What a feature gives the app, the background processes and the migrations."""

    @property
    def name(self) -> str: ...

    @property
    def routers(self) -> Sequence[APIRouter]: ...

    @property
    def tasks(self) -> Mapping[str, TaskHandler]: ...

    @property
    def settings(self) -> Sequence[type[BaseSettings]]: ...

    @property
    def migrations(self) -> Path | None: ...

    @property
    def production_needs(self) -> Mapping[str, str]:
        """Shared settings this feature cannot do without in production: name -> why."""
        ...

    @property
    def retention(self) -> Sequence[Retention]:
        """The kinds of row ``admin purge --older-than AGE`` deletes once past the age."""
        ...

    @property
    def usage(self) -> Sequence[UsageRows]:
        """Where the feature stored its LLM calls' tokens, for ``admin usage``."""
        ...

    def lifespan(self, app: FastAPI, services: Services) -> AbstractAsyncContextManager[None]:
        """Entered when the app starts, left when it stops."""
        ...

    def document(self, openapi: dict[str, Any], settings: Settings) -> None:
        """Add to the OpenAPI document what only the settings know (limits, say)."""
        ...


@asynccontextmanager
async def _nothing(app: FastAPI, services: Services) -> AsyncIterator[None]:
    yield


def _no_document(openapi: dict[str, Any], settings: Settings) -> None:
    return None


@dataclass(frozen=True)
class FeatureSpec:
    """The plain way to describe a feature: say what it has, leave out what it has not."""

    name: str
    routers: Sequence[APIRouter] = ()
    tasks: Mapping[str, TaskHandler] = field(default_factory=dict)
    settings: Sequence[type[BaseSettings]] = ()
    migrations: Path | None = None
    production_needs: Mapping[str, str] = field(default_factory=dict)
    retention: Sequence[Retention] = ()
    usage: Sequence[UsageRows] = ()
    on_lifespan: Lifespan = _nothing
    on_document: Documenter = _no_document

    def lifespan(self, app: FastAPI, services: Services) -> AbstractAsyncContextManager[None]:
        return self.on_lifespan(app, services)

    def document(self, openapi: dict[str, Any], settings: Settings) -> None:
        self.on_document(openapi, settings)


@cache
def discover() -> tuple[Feature, ...]:
    """Every feature under this folder, by name."""
    found: list[Feature] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        feature = getattr(module, "feature", None)
        if not isinstance(feature, Feature):
            raise TypeError(f"{module.__name__} defines no 'feature' (see features/__init__.py)")
        found.append(feature)
    return tuple(found)


def background_tasks() -> dict[str, TaskHandler]:
    """Every feature's kinds of background task, by the name stored with each task."""
    return {kind: run for feature in discover() for kind, run in feature.tasks.items()}


def settings_classes() -> list[type[BaseSettings]]:
    """The features' own settings classes (core settings are ``core/settings.py``)."""
    return [cls for feature in discover() for cls in feature.settings]


def production_needs() -> dict[str, str]:
    """Every feature's ``production_needs``: a shared setting's name -> why it is needed."""
    return {name: why for feature in discover() for name, why in feature.production_needs.items()}


def retention_policies() -> list[Retention]:
    """Every kind of row the features let ``admin purge`` delete."""
    return [kind for feature in discover() for kind in feature.retention]


def usage_sources() -> list[UsageRows]:
    """Every place the features stored the tokens of their LLM calls."""
    return [source for feature in discover() for source in feature.usage]


def migration_folders() -> list[Path]:
    """Each feature's Alembic branch: its ``migrations/`` folder."""
    return [feature.migrations for feature in discover() if feature.migrations is not None]
