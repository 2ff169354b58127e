"""The provider interface every LLM backend implements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None

    @property
    def total(self) -> int:
        return (self.input_tokens or 0) + (self.output_tokens or 0)


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    usage: Usage
    finish_reason: str | None = None
    """Why the model stopped, in the provider's words ("stop", "end_turn", "length"...)."""
    cost: float | None = None  # set by the gateway from the price table; None: unknown
    currency: str | None = None


@dataclass(frozen=True)
class OutputSchema:
    """The JSON a structured call must return: a name and a JSON schema (``structured.py``)."""

    name: str
    schema: dict[str, Any]


class ProviderError(Exception):
    """The provider failed after its retries.

    The message is ours, safe to show to a client: the provider's name and the fault (its
    HTTP status when there is one), never the provider's own words. Those are the
    ``detail``, for the logs only (the gateway redacts and shortens it).
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class Provider(Protocol):
    """Complete or stream a chat. ``stream`` yields text deltas, then one ``Completion``.

    Given a ``schema``, ``complete`` returns JSON text meant to match it, through the
    provider's structured-output mode where it has one (the gateway then validates it).
    """

    name: str
    model: str

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], schema: OutputSchema | None = None
    ) -> Completion: ...

    def stream(
        self, system: str, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[str | Completion]: ...

    async def ping(self) -> str:
        """Check the provider answers; return a short description for ``admin check``."""
        ...

    async def aclose(self) -> None: ...
