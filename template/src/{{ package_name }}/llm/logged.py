"""Log one ``llm.call`` event for every call to a provider; let only ProviderError out.

This is where every provider's faults become one kind of error: whatever a provider or its
SDK raises (an HTTP error, a timeout, a dropped connection, a body that is not a completion)
leaves here as a ``ProviderError`` whose message names the provider and the fault, is short,
and never repeats a secret. An empty completion, or a stream without its final completion, is
a ``ProviderError`` too: nothing half-done reaches the caller, or the cache, as a success.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

import structlog

from ..redaction import Redactor
from .base import ChatMessage, Completion, Provider, ProviderError, Usage
from .cache import LLMCache

log = structlog.get_logger(__name__)
MESSAGE_LIMIT = 300  # characters of a ProviderError's message: never a whole response body


def _fault(exc: Exception) -> str:
    """What went wrong, for an exception the provider did not turn into a ProviderError."""
    # httpx and httpx2 (the SDKs use one or the other) name their error classes alike.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, TimeoutError) or "TimeoutException" in names:
        return "timed out"
    if isinstance(exc, OSError) or "TransportError" in names:
        return "connection failed"
    return "sent a response that is not a completion"


class LoggedProvider:
    """Wrap a provider so every call is timed and logged with its outcome and token usage."""

    def __init__(
        self,
        provider: Provider,
        cache: LLMCache | None = None,
        cache_streaming: bool = False,
        redactor: Redactor | None = None,
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.cache_streaming = cache_streaming
        self.redactor = redactor or Redactor()

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
        error: ProviderError | None = None,
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
            **({"error": str(error)} if error is not None else {}),
        )

    def _failure(self, exc: Exception) -> ProviderError:
        """``exc``, whatever it is, as a ProviderError with a short message free of secrets."""
        if isinstance(exc, ProviderError):
            message = str(exc)
        else:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            message = f"{self.provider.name} {_fault(exc)} ({detail})"
        message = " ".join(self.redactor.text(message).split())  # secrets out, then shorten
        if len(message) > MESSAGE_LIMIT:
            message = message[: MESSAGE_LIMIT - 3] + "..."
        return ProviderError(message)

    def _checked(self, completion: Completion) -> Completion:
        if not completion.text.strip():
            raise ProviderError(f"{self.provider.name} returned an empty completion")
        return completion

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
            completion = self._checked(await self.provider.complete(system, messages))
        except Exception as exc:
            error = self._failure(exc)
            cache_state = "miss" if key else "off"
            self._log(prompt_version, started, "error", Usage(), False, cache_state, error)
            raise error from exc
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
        error: ProviderError | None = None
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
            final: Completion | None = None
            async for item in self.provider.stream(system, messages):
                if isinstance(item, Completion):
                    final = self._checked(item)
                    outcome, usage = "ok", item.usage
                    if self.cache and key:
                        await self.cache.put(key, item)
                yield item
            if final is None:
                raise ProviderError(f"{self.provider.name} ended the stream without a completion")
        except Exception as exc:
            outcome, error = "error", self._failure(exc)
            raise error from exc
        finally:
            self._log(prompt_version, started, outcome, usage, True, cache_state, error)

    async def ping(self) -> str:
        try:
            return await self.provider.ping()
        except Exception as exc:
            raise self._failure(exc) from exc

    async def aclose(self) -> None:
        await self.provider.aclose()
