"""Log one ``llm.call`` event for every call to a provider."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

import structlog

from .base import ChatMessage, Completion, Provider, ProviderError, Usage

log = structlog.get_logger(__name__)


class LoggedProvider:
    """Wrap a provider so every call is timed and logged with its outcome and token usage."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def model(self) -> str:
        return self.provider.model

    def _log(
        self, prompt_version: str, started: float, outcome: str, usage: Usage, stream: bool
    ) -> None:
        log.info(
            "llm.call",
            provider=self.provider.name,
            model=self.provider.model,
            prompt_version=prompt_version,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            outcome=outcome,
            stream=stream,
        )

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], *, prompt_version: str
    ) -> Completion:
        started = time.perf_counter()
        try:
            completion = await self.provider.complete(system, messages)
        except ProviderError:
            self._log(prompt_version, started, "error", Usage(), stream=False)
            raise
        self._log(prompt_version, started, "ok", completion.usage, stream=False)
        return completion

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, prompt_version: str
    ) -> AsyncIterator[str | Completion]:
        started = time.perf_counter()
        outcome, usage = "cancelled", Usage()
        try:
            async for item in self.provider.stream(system, messages):
                if isinstance(item, Completion):
                    outcome, usage = "ok", item.usage
                yield item
        except ProviderError:
            outcome = "error"
            raise
        finally:
            self._log(prompt_version, started, outcome, usage, stream=True)

    async def ping(self) -> str:
        return await self.provider.ping()

    async def aclose(self) -> None:
        await self.provider.aclose()
