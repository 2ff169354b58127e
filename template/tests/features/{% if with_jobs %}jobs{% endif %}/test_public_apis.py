"""Job delivery rests on what taskiq publishes, never on its internals.

A private member (a leading underscore) of taskiq changes or goes away in any release, with
no deprecation: a broker that overrode or called one would break job delivery silently. So,
read from the source of every module under ``src/`` (no import, nothing run):

- nothing private is imported from taskiq (or taskiq-redis), no private module either;
- a class built on one of their classes defines no private member (it would override or
  shadow theirs) and reads none on ``self``, ``cls`` or ``super()`` (it would reach theirs);
- in a module that uses them, no private attribute is read on any other object (a broker,
  a task, a receiver): only a class of our own reads its own private members, on ``self``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src"
LIBRARIES = {"taskiq", "taskiq_redis"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        # What the module imported from the libraries, and its classes built on theirs.
        self.library_names: set[str] = set()
        self.classes: list[bool] = []  # the enclosing classes: built on a library class?
        self.found: set[tuple[int, str]] = set()

    def _report(self, node: ast.stmt | ast.expr, what: str) -> None:
        self.found.add((node.lineno, what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in LIBRARIES:
                if any(_private(part) for part in alias.name.split(".")):
                    self._report(node, f"imports the private module {alias.name}")
                self.library_names.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] not in LIBRARIES:
            return
        if any(_private(part) for part in module.split(".")):
            self._report(node, f"imports from the private module {module}")
        for alias in node.names:
            if _private(alias.name):
                self._report(node, f"imports the private {alias.name} from {module}")
            self.library_names.add(alias.asname or alias.name)

    def _from_library(self, base: ast.expr) -> bool:
        while isinstance(base, ast.Attribute | ast.Subscript):
            base = base.value
        return isinstance(base, ast.Name) and base.id in self.library_names

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        theirs = any(self._from_library(base) for base in node.bases)
        if theirs:
            for statement in node.body:
                for name in _defined(statement):
                    if _private(name):
                        self._report(statement, f"{node.name} (a {_names(node)}) defines {name}")
            self.library_names.add(node.name)  # a class built on theirs is theirs too
        self.classes.append(theirs)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _private(node.attr) and self.library_names:
            on_self = isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}
            ours = bool(self.classes) and not self.classes[-1]
            if not (on_self and ours):
                self._report(node, f"reads .{node.attr} on {ast.unparse(node.value)}")
        self.generic_visit(node)


def _defined(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def _names(node: ast.ClassDef) -> str:
    return " and ".join(ast.unparse(base) for base in node.bases)


def violations(source: str) -> list[str]:
    checker = _Checker()
    tree = ast.parse(source)
    for node in ast.walk(tree):  # the imports first, wherever they are in the module
        if isinstance(node, ast.Import | ast.ImportFrom):
            checker.visit(node)
    checker.visit(tree)
    return [f"line {line}: {what}" for line, what in sorted(checker.found)]


def test_no_module_reaches_into_taskiq() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert modules
    users = [path for path in modules if "taskiq" in path.read_text()]
    assert users  # the jobs layer is built on taskiq: a scan that finds nothing proves nothing
    found = {
        str(path.relative_to(SRC)): problems
        for path in users
        if (problems := violations(path.read_text()))
    }
    assert found == {}


def test_the_check_sees_what_the_old_broker_did() -> None:
    """The broker this project had until it owned its stream consumer fails the check."""
    old = """
from taskiq_redis import RedisStreamBroker

class ReclaimingRedisStreamBroker(RedisStreamBroker):
    def _held_ack(self, key, message_id):
        return super()._ack_generator(id=message_id, queue_name=self.queue_name)

    async def _declare_consumer_group(self) -> None:
        pass
"""
    assert violations(old) == [
        "line 5: ReclaimingRedisStreamBroker (a RedisStreamBroker) defines _held_ack",
        "line 6: reads ._ack_generator on super()",
        "line 8: ReclaimingRedisStreamBroker (a RedisStreamBroker) defines _declare_consumer_group",
    ]


def test_the_check_sees_private_reads_and_imports_and_spares_our_own() -> None:
    source = """
import taskiq.receiver._internal
from taskiq.receiver.receiver import _execute_sync_task_in_executor
from taskiq import AsyncBroker as Base

class Ours:
    def __init__(self, broker: Base) -> None:
        self._broker = broker
        self._started = False

    def error(self) -> object:
        return self._broker._listen_error

class Theirs(Base):
    def peek(self) -> object:
        return self._private_state

class Again(Theirs):
    async def _listen(self) -> None: ...
"""
    assert violations(source) == [
        "line 2: imports the private module taskiq.receiver._internal",
        "line 3: imports the private _execute_sync_task_in_executor from taskiq.receiver.receiver",
        "line 12: reads ._listen_error on self._broker",
        "line 16: reads ._private_state on self",
        "line 19: Again (a Theirs) defines _listen",
    ]
