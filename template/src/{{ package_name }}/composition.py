"""The composition root: which features this service has, and the services they are given.

Every process type starts here: the app (``app.py``), the command line (``cli.py``) and the
commands the features offer, the admin tasks and the evals. Features are
found by looking: each folder of ``features/``, and the lower layers that offer one (the
jobs API, when the jobs layer is here), never by a list to keep.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import pkgutil
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import ClassVar

from . import features as features_package
from .core.budget import TokenBudget
from .core.database import create_engine, sessionmaker
from .core.feature import Feature
from .core.rate_limit import RateLimiter
from .core.redis_client import LazyRedis
from .core.settings import Settings
from .llm.cache import LLMCache
from .llm.gateway import LLMGateway
from .llm.prices import load as load_prices
from .llm.services import Services

Features = Sequence[Feature[Services]]
# Lower layers that may offer a feature of their own: the module that defines ``feature``.
LAYER_FEATURES = ("jobs.feature",)


def _feature_of(module_name: str) -> Feature[Services]:
    module = importlib.import_module(module_name)
    feature = getattr(module, "feature", None)
    if not isinstance(feature, Feature):
        raise TypeError(f"{module_name} defines no 'feature' (see core/feature.py)")
    return feature


def _present(module_name: str) -> bool:
    parent = module_name.rpartition(".")[0]
    return importlib.util.find_spec(parent) is not None and bool(
        importlib.util.find_spec(module_name)
    )


def discover() -> tuple[Feature[Services], ...]:
    """Every feature of this service, sorted by name."""
    names = [f"{__package__}.{name}" for name in LAYER_FEATURES]
    found = [_feature_of(name) for name in names if _present(name)]
    for info in pkgutil.iter_modules(features_package.__path__):
        found.append(_feature_of(f"{features_package.__name__}.{info.name}"))
    return tuple(sorted(found, key=lambda feature: feature.name))


def build_services(settings: Settings, shutdown: asyncio.Event) -> Services:
    engine = create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    redis = LazyRedis(settings.redis_url.get_secret_value()) if settings.redis_url else None
    cache = None
    if redis is not None and settings.llm_cache_ttl_s:
        cache = LLMCache(redis, settings.redis_key_prefix, settings.llm_cache_ttl_s)
    limiter = RateLimiter(settings, redis)
    budget = TokenBudget(settings, redis)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine),
        llm=LLMGateway.from_settings(settings, cache, limiter, budget),
        shutdown=shutdown,
        redis=redis,
        limiter=limiter,
        budget=budget,
    )


async def close_services(services: Services) -> None:
    await services.llm.aclose()
    await services.engine.dispose()
    if services.redis is not None:
        await services.redis.aclose()


@asynccontextmanager
async def open_services(settings: Settings, shutdown: asyncio.Event) -> AsyncIterator[Services]:
    """The process's services, closed on leaving."""
    services = build_services(settings, shutdown)
    try:
        yield services
    finally:
        await close_services(services)


def settings_class(features: Features) -> type[Settings]:
    """``Settings`` that also require, in production, what these features cannot do without."""
    needs = {name: why for feature in features for name, why in feature.production_needs.items()}

    class ServiceSettings(Settings):
        production_needs: ClassVar[Mapping[str, str]] = needs

    return ServiceSettings


def config_problems(settings: Settings) -> list[tuple[str, str]]:
    """What the environment's settings lack beyond their own checks: (variable, problem).

    The price table ``LLM_PRICES_FILE`` names is read now, in the llm layer that uses it: a
    bad one stops every process, as a bad variable does.
    """
    if settings.llm_prices_file is None:
        return []
    try:
        load_prices(settings.llm_prices_file)
    except ValueError as exc:
        return [("LLM_PRICES_FILE", str(exc))]
    return []
