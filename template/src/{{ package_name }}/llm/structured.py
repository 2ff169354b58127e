"""Structured output: JSON from the model, validated against a pydantic model.

``complete_json`` asks through the gateway with the model's JSON schema (the provider's
structured-output mode where it has one), validates the reply, and when it does not match
asks ONCE more with the validation error appended to the messages. A second invalid
reply raises ``StructuredOutputError``, whose message names the problem: a job ends
``failed`` with it (a ``ValueError``: retrying the job would not help).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from .prompts import Prompt
from .provider import ChatMessage, Completion, OutputSchema, Usage

T = TypeVar("T", bound=BaseModel)
ATTEMPTS = 2  # the first answer, and one retry told what was wrong
PROBLEM_LIMIT = 300  # characters of a validation problem quoted back to the model or a job


class StructuredOutputError(ValueError):
    """The model's output did not match the schema, even after the retry."""


class InvalidOutput(Exception):
    """A completion that does not match its schema, with what is wrong with it."""

    def __init__(self, completion: Completion, problem: str) -> None:
        super().__init__(problem)
        self.completion, self.problem = completion, problem


@dataclass(frozen=True)
class Structured(Generic[T]):
    value: T
    completions: tuple[Completion, ...]  # every attempt's, the valid one last: all were paid for

    @property
    def completion(self) -> Completion:
        return self.completions[-1]

    @property
    def attempts(self) -> int:
        return len(self.completions)

    @property
    def usage(self) -> Usage:
        """The tokens of every attempt together."""
        return _sum([completion.usage for completion in self.completions])


def _strict(node: Any) -> Any:
    """The schema as strict modes want it: closed objects, every property required, no defaults."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "$defs"):  # names, not keywords: keep them all
            result[key] = {name: _strict(sub) for name, sub in value.items()}
        elif key != "default":
            result[key] = _strict(value)
    if result.get("type") == "object" and "properties" in result:
        result["additionalProperties"] = False
        result["required"] = list(result["properties"])
    return result


def output_schema(model: type[BaseModel]) -> OutputSchema:
    """The schema a provider is sent for ``model``, named after it."""
    return OutputSchema(model.__name__, _strict(model.model_json_schema()))


def problem(exc: ValidationError) -> str:
    """The validation errors on one short line: ``findings.0: Input should be a valid string``."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "the output"
        parts.append(f"{where}: {error['msg']}")
    text = "; ".join(parts)
    return text if len(text) <= PROBLEM_LIMIT else text[: PROBLEM_LIMIT - 3] + "..."


def checker(model: type[T]) -> Callable[[Completion], T]:
    """A function the gateway calls on a completion before it caches or returns it."""

    def check(completion: Completion) -> T:
        try:
            return model.model_validate_json(completion.text)
        except ValidationError as exc:
            raise InvalidOutput(completion, problem(exc)) from exc

    return check


class Completer(Protocol):
    """What ``complete_json`` asks: the gateway's ``complete``."""

    async def complete(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        *,
        account: str | None = None,
        schema: OutputSchema | None = None,
        check: Callable[[Completion], object] | None = None,
    ) -> Completion: ...


async def complete_json(
    gateway: Completer,
    prompt: Prompt,
    messages: Sequence[ChatMessage],
    model: type[T],
    *,
    account: str | None = None,
) -> Structured[T]:
    """``model`` filled in by the LLM; StructuredOutputError after two invalid replies."""
    schema, check = output_schema(model), checker(model)
    sent = list(messages)
    spent: list[Completion] = []
    for _ in range(ATTEMPTS):
        try:
            completion = await gateway.complete(
                prompt, sent, account=account, schema=schema, check=check
            )
        except InvalidOutput as exc:
            spent.append(exc.completion)
            found = exc.problem
            sent += [
                ChatMessage("assistant", exc.completion.text),
                ChatMessage(
                    "user",
                    f"That output does not match the {schema.name} JSON schema: {found}. "
                    "Answer again with JSON that matches the schema, and nothing else.",
                ),
            ]
            continue
        spent.append(completion)
        return Structured(check(completion), tuple(spent))
    raise StructuredOutputError(
        f"the model's output does not match the {schema.name} schema "
        f"after {ATTEMPTS} attempts: {found}"
    )


def _sum(usages: list[Usage]) -> Usage:
    def total(counts: list[int | None]) -> int | None:
        known = [count for count in counts if count is not None]
        return sum(known) if known else None

    return Usage(
        total([usage.input_tokens for usage in usages]),
        total([usage.output_tokens for usage in usages]),
    )
