"""Log one ``llm.call`` event for every call to a provider."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

import structlog

from .base import ChatMessage, Completion, Provider, ProviderError, Usage
from .cache import LLMCache

log = structlog.get_logger(__name__)


class LoggedProvider:
    """Wrap a provider so every call is timed and logged with its outcome and token usage."""

    def __init__(
        self, provider: Provider, cache: LLMCache | None = None, cache_streaming: bool = False
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.cache_streaming = cache_streaming

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def model(self) -> str:
        return self.provider.model

    def _log(
        self,
        prompt_version: str,
        started: float,
        outcome: str,
        usage: Usage,
        stream: bool,
        cache: str = "off",
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
            cache=cache,
        )

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], *, prompt_version: str
    ) -> Completion:
        started = time.perf_counter()
        key = self._key(prompt_version, system, messages) if self.cache else None
        if self.cache and key:
            cached = await self.cache.get(key)
            if cached is not None:
                self._log(prompt_version, started, "ok", cached.usage, False, "hit")
                return cached
        try:
            completion = await self.provider.complete(system, messages)
        except ProviderError:
            self._log(prompt_version, started, "error", Usage(), False, "miss" if key else "off")
            raise
        if self.cache and key:
            await self.cache.put(key, completion)
        self._log(prompt_version, started, "ok", completion.usage, False, "miss" if key else "off")
        return completion

    def _key(self, prompt_version: str, system: str, messages: Sequence[ChatMessage]) -> str:
        assert self.cache is not None
        return self.cache.key(
            self.provider.name, self.provider.model, prompt_version, system, messages
        )

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, prompt_version: str
    ) -> AsyncIterator[str | Completion]:
        started = time.perf_counter()
        outcome, usage = "cancelled", Usage()
        use_cache = self.cache is not None and self.cache_streaming
        key = self._key(prompt_version, system, messages) if use_cache else None
        cache_state = "miss" if key else "off"
        try:
            cached = await self.cache.get(key) if self.cache and key else None
            if cached is not None:
                cache_state, outcome, usage = "hit", "ok", cached.usage
                words = cached.text.split(" ")  # replayed like a live stream
                for index, word in enumerate(words):
                    yield word if index == len(words) - 1 else word + " "
                yield cached
                return
            async for item in self.provider.stream(system, messages):
                if isinstance(item, Completion):
                    outcome, usage = "ok", item.usage
                    if self.cache and key:
                        await self.cache.put(key, item)
                yield item
        except ProviderError:
            outcome = "error"
            raise
        finally:
            self._log(prompt_version, started, outcome, usage, True, cache_state)

    async def ping(self) -> str:
        return await self.provider.ping()

    async def aclose(self) -> None:
        await self.provider.aclose()
