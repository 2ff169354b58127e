"""Import a hook script from hooks/ as a module."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tooling.env import ROOT


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"hook_{name}", ROOT / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
