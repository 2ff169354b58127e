"""Import a hook script as a module: `load_hook("tasks/git_init")` for hooks/tasks/git_init.py."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tooling.env import ROOT


def load_hook(path: str) -> ModuleType:
    name = "hook_" + path.replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / f"{path}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
