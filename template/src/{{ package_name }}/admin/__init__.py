"""Admin processes (factor XII): one-off tasks with the same code, config and logs as ``serve``.

Each task is a module here that defines ``task``; ``TASKS`` names them for the console
script, which lists them in ``admin --help`` and ``admin tasks``. A task writes JSON events
through the log, like every other process, and exits 0, or 1 with one ``admin.task_failed``
line that names the problem (``AdminError``), never a traceback. Its arguments are checked
first (an argument's ``type`` raises ``argparse.ArgumentTypeError``): an unknown task, a
missing or bad argument exits 64 with one ``admin.invalid_arguments`` line naming it.
"""

from __future__ import annotations

from . import checks, evals, migrations, prompts, purge, release_info, usage
from .migrations import migrate
from .task import AdminError, AdminTask

TASKS: dict[str, AdminTask] = {
    "migrate": migrations.task,
    "check": checks.task,
    "release-info": release_info.task,
    "prompts": prompts.task,
    "purge": purge.task,
    "usage": usage.task,
    "eval": evals.task,
}

__all__ = ["TASKS", "AdminError", "AdminTask", "migrate"]
