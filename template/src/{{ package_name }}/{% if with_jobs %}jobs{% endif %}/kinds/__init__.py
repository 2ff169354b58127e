"""Job kinds, one module each, discovered by name.

A module here defines ``KIND`` (the name stored on the job) and
``async def run(services, payload) -> dict`` (the result stored on success).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any

from ...services import Services

Handler = Callable[[Services, dict[str, Any]], Awaitable[dict[str, Any]]]


def handlers() -> dict[str, Handler]:
    found: dict[str, Handler] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found[module.KIND] = module.run
    return found
