"""The one door to the model: every LLM call of the service goes through ``LLMGateway``.

It owns, in one place, what each call needs: the provider chosen by ``LLM_PROVIDER`` (its SDK
imported only then, with ``LLM_TIMEOUT_S`` and ``LLM_MAX_RETRIES``), the versioned prompt,
the response cache (per caller unless ``LLM_CACHE_SHARED``), the token accounting of the
caller's rate limit and budget, one ``llm.call`` log event, and the mapping of every
provider fault to one ``ProviderError`` (a 502 for clients).
Plain and streamed calls take the same steps (``_Call``); use-case code never sees an SDK.
Message content is logged only with ``LOG_CONTENT=true``, masked (``core/pii.py``);
``REDACT_PROMPTS=true`` masks the messages before they reach the provider and the cache key.
Cost and limits too (docs: cost and budgets): the history trimmed to ``LLM_CONTEXT_TOKENS``
(``context``), and the call's cost from the price table (``prices``), logged and returned.

Every token is paid for: a call first reserves its worst case (its input estimate plus
``LLM_MAX_OUTPUT_TOKENS``) in the caller's ``TOKEN_BUDGET_PER_DAY`` and ``RATE_LIMIT_TPM``,
refused (429, nothing held) once what they used and hold is spent; when it ends, however it
ends (a client that left mid-stream included), it settles on what it used: the tokens the
provider reported, or estimates (``context.estimate``) of its input and of the text streamed
so far. A stream that ends without its completion hands that usage to ``on_unfinished``, for
the caller to store (``admin usage`` reads what was stored). Settling runs shielded, in the
call's own context: its log lines carry the caller's owner and request id.

Whatever a provider or its SDK raises (an HTTP error, a timeout, a dropped connection, a body
that is not a completion) leaves as a ``ProviderError`` whose message is ours: the provider's
name, the fault (its HTTP status when there is one) and our request id, never the provider's
own text, which goes, redacted and shortened, to the ``llm.call`` event's ``error_detail``. An
empty completion, or a stream without its final completion, is one too: nothing half-done
reaches the caller, or the cache, as a success.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

import structlog

from ..core.budget import Hold, TokenBudget
from ..core.pii import mask
from ..core.rate_limit import RateLimiter, TokenHold
from ..core.redaction import Redactor, key_like, secret_values
from ..core.settings import Settings
from . import context, prices
from .cache import LLMCache
from .prompts import Prompt
from .provider import ChatMessage, Completion, OutputSchema, Provider, ProviderError, Usage
from .structured import InvalidOutput, Structured, T, complete_json
from .tracing import model_call

log = structlog.get_logger(__name__)
DETAIL_LIMIT = 300  # characters of a provider's own error text kept for the logs
Unfinished = Callable[[Completion], Awaitable[None]]
"""Told the text and usage (estimated) of a stream that ended without its completion."""


def build_provider(settings: Settings) -> Provider:
    """The provider ``LLM_PROVIDER`` names; its module (and SDK) is imported only now."""
    module = importlib.import_module(f"{__package__}.providers.{settings.llm_provider}")
    build: Callable[[Settings], Provider] = module.build
    return build(settings)


caller: ContextVar[str | None] = ContextVar("caller", default=None)
"""What makes the calls of this context, for a client to quote, when it is not the request
whose id the logs carry: work in the background names itself (``"<kind> <id>"``) here."""


def _reference() -> str:
    """Our id of what made the call, for a client to quote: the background work's, set in
    ``caller`` (work run by the web process keeps the id of the request that started it), or
    the request's."""
    named = caller.get()
    if named is not None:
        return f" ({named})"
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return f" (request {request_id})" if isinstance(request_id, str) else ""


async def _closing(items: AsyncIterator[str | Completion]) -> None:
    """Close a provider's stream now, if it can be (an async generator): its HTTP response
    ends with it."""
    close = getattr(items, "aclose", None)
    if close is not None:
        await close()


def _fault(exc: Exception) -> str:
    """What went wrong, for an exception the provider did not turn into a ProviderError."""
    # httpx and httpx2 (the SDKs use one or the other) name their error classes alike.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, TimeoutError) or "TimeoutException" in names:
        return "timed out"
    if isinstance(exc, OSError) or "TransportError" in names:
        return "connection failed"
    return "sent a response that is not a completion"


@dataclass
class _Call:
    """One call on its way through the gateway: what its log event will say."""

    prompt: Prompt
    messages: Sequence[ChatMessage]
    stream: bool
    account: str | None
    cache_key: str | None
    schema: OutputSchema | None = None
    started: float = field(default_factory=time.perf_counter)
    cache: str = "off"
    outcome: str = "cancelled"
    usage: Usage = field(default_factory=Usage)
    cost: float | None = None
    currency: str | None = None
    error: ProviderError | None = None
    completion: Completion | None = None
    input_estimate: int = 0
    streamed: list[str] = field(default_factory=list)  # the text deltas the caller was given
    estimated: bool = False  # the usage is our estimate: the call ended before its completion
    hold: Hold | None = None  # in the daily budget
    token_hold: TokenHold | None = None  # in the tokens-per-minute limit


class LLMGateway:
    """Complete or stream a chat with the configured provider; see the module's docstring."""

    def __init__(
        self,
        provider: Provider,
        *,
        cache: LLMCache | None = None,
        cache_streaming: bool = False,
        limiter: RateLimiter | None = None,
        redactor: Redactor | None = None,
        log_content: bool = False,
        redact_prompts: bool = False,
        budget: TokenBudget | None = None,
        price_table: prices.PriceTable | None = None,
        context_tokens: int = 0,
        max_output_tokens: int = 4096,
        cache_shared: bool = False,
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.cache_streaming = cache_streaming
        self.limiter = limiter
        self.redactor = redactor or Redactor()
        self.log_content = log_content
        self.redact_prompts = redact_prompts
        self.budget = budget
        self.prices = price_table or prices.load()
        self.context_tokens = context_tokens
        self.max_output_tokens = max_output_tokens  # a call's worst case: what it reserves
        self.cache_shared = cache_shared  # LLM_CACHE_SHARED: one cache for every caller
        self.unpriced: set[str] = set()  # models already warned about

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        cache: LLMCache | None = None,
        limiter: RateLimiter | None = None,
        budget: TokenBudget | None = None,
    ) -> LLMGateway:
        return cls(
            build_provider(settings),
            cache=cache,
            cache_streaming=settings.llm_cache_streaming,
            limiter=limiter,
            redactor=Redactor(secret_values(dict(settings))),  # no secret in its errors
            log_content=settings.log_content,
            redact_prompts=settings.redact_prompts,
            budget=budget,
            price_table=prices.load(settings.llm_prices_file),
            context_tokens=settings.llm_context_tokens,
            max_output_tokens=settings.llm_max_output_tokens,
            cache_shared=settings.llm_cache_shared,
        )

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def model(self) -> str:
        return self.provider.model

    async def complete(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        *,
        account: str | None = None,
        schema: OutputSchema | None = None,
        check: Callable[[Completion], object] | None = None,
    ) -> Completion:
        """The completion of ``messages`` under ``prompt``; ProviderError if there is none.

        With a ``schema``, the provider is asked for JSON; ``check`` vets the completion
        before it is cached (``InvalidOutput`` if it does not match; see ``complete_json``).
        """
        use_cache = self.cache is not None
        call = self._begin(prompt, messages, account, stream=False, cached=use_cache, schema=schema)
        await self._reserve(call)
        async with self._recorded(call):
            cached = await self._lookup(call)
            if cached is not None:
                return await self._done(call, cached, check)
            try:
                reply = await self.provider.complete(prompt.text, call.messages, schema)
            except Exception as exc:
                raise self._failure(exc) from exc
            return await self._done(call, reply, check)

    async def complete_json(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        model_type: type[T],
        *,
        account: str | None = None,
    ) -> Structured[T]:
        """``model_type`` filled in by the model, validated; see ``structured.py``."""
        return await complete_json(self, prompt, messages, model_type, account=account)

    async def stream(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        *,
        account: str | None = None,
        on_unfinished: Unfinished | None = None,
    ) -> AsyncGenerator[str | Completion, None]:
        """Text deltas, then the final ``Completion``; ProviderError if it does not come.

        However it ends (its consumer may close it at any delta), the provider's stream is
        closed at once and the call settled; if it ended without its completion after the
        provider was asked, ``on_unfinished`` is told what it used (see the module).
        """
        cached_ok = self.cache is not None and self.cache_streaming
        call = self._begin(prompt, messages, account, stream=True, cached=cached_ok)
        await self._reserve(call)
        async with self._recorded(call, on_unfinished):
            final = await self._lookup(call)
            if final is not None:
                words = final.text.split(" ")  # replayed like a live stream
                for index, word in enumerate(words):
                    yield word if index == len(words) - 1 else word + " "
            else:
                items = self.provider.stream(prompt.text, call.messages)
                try:
                    async for item in items:
                        if isinstance(item, Completion):
                            final = item
                        else:
                            call.streamed.append(item)
                            yield item
                except Exception as exc:
                    raise self._failure(exc) from exc
                finally:
                    await _closing(items)
                if final is None:
                    raise self._error(f"{self.name} ended the stream without a completion")
            yield await self._done(call, final)

    async def _reserve(self, call: _Call) -> None:
        """Hold the call's worst case in the caller's budget and tokens-per-minute limit;
        BudgetExceeded or RateLimited (no call made, nothing held) when they are spent."""
        worst = call.input_estimate + self.max_output_tokens
        if self.budget is not None:
            call.hold = await self.budget.reserve(call.account, worst)
        if self.limiter is not None:
            try:
                call.token_hold = await self.limiter.reserve_tokens(call.account, worst)
            except BaseException:
                if self.budget is not None:
                    await self.budget.settle(call.hold, call.account, 0)
                raise

    @asynccontextmanager
    async def _recorded(
        self, call: _Call, on_unfinished: Unfinished | None = None
    ) -> AsyncIterator[None]:
        """One ``llm.call`` event (and span: ``tracing``) per call, however it ends, once
        the call is settled: shielded, so that a second cancellation cannot skip it."""
        try:
            with model_call(self.name, self.model, call.prompt.text, call):
                yield
        except ProviderError as exc:
            call.outcome, call.error = "error", exc
            raise
        finally:
            await asyncio.shield(self._finish(call, on_unfinished))

    async def _finish(self, call: _Call, on_unfinished: Unfinished | None) -> None:
        """Settle the call on what it used, tell ``on_unfinished`` of a stream cut short,
        then log it."""
        try:
            unfinished = call.completion is None and call.cache != "hit"
            if unfinished and (call.outcome == "cancelled" or call.streamed):
                self._estimate(call)  # the provider was asked, and may have answered some
            tokens = call.usage.total
            if self.limiter is not None:
                await self.limiter.settle_tokens(call.token_hold, call.account, tokens)
            if self.budget is not None:
                await self.budget.settle(call.hold, call.account, tokens)
            if unfinished and call.estimated and on_unfinished is not None:
                partial = Completion(
                    "".join(call.streamed), self.model, call.usage, None, call.cost, call.currency
                )
                await on_unfinished(partial)
        except Exception:
            log.exception("llm.settle_failed")
        finally:
            self._log(call)

    def _estimate(self, call: _Call) -> None:
        """The usage of a call that ended before its completion: estimated, and priced."""
        output = context.estimate("".join(call.streamed)) if call.streamed else 0
        usage = Usage(call.input_estimate, output)
        priced = self._priced(call, Completion("", self.model, usage))
        call.usage, call.estimated = usage, True
        call.cost, call.currency = priced.cost, priced.currency

    def _begin(
        self,
        prompt: Prompt,
        messages: Sequence[ChatMessage],
        account: str | None,
        *,
        stream: bool,
        cached: bool,
        schema: OutputSchema | None = None,
    ) -> _Call:
        fitted = context.fit(prompt.text, messages, self.context_tokens)
        if fitted.dropped:
            log.info(
                "llm.context_trimmed",
                dropped=fitted.dropped,
                estimated_before=fitted.estimated_before,
                estimated_after=fitted.estimated_after,
                limit=self.context_tokens,
            )
            messages = fitted.messages
        if self.redact_prompts:
            messages = [ChatMessage(message.role, mask(message.content)) for message in messages]
        key = None
        if cached and self.cache is not None:
            material = [self.name, self.model, prompt.version_tag, prompt.text]
            if not self.cache_shared:  # one caller never gets another's answer
                material.append(f"for {account or ''}")
            if schema is not None:
                material += [schema.name, str(sorted(schema.schema.items()))]
            key = self.cache.key(material, messages)
        call = _Call(prompt, messages, stream, account, key, schema)
        call.cache = "off" if key is None else "miss"
        call.input_estimate = fitted.estimated_after
        return call

    async def _lookup(self, call: _Call) -> Completion | None:
        if self.cache is None or call.cache_key is None:
            return None
        found = await self.cache.get(call.cache_key)
        if found is not None:
            call.cache = "hit"
        return found

    async def _done(
        self,
        call: _Call,
        completion: Completion,
        check: Callable[[Completion], object] | None = None,
    ) -> Completion:
        """Check, cache and account for a completion: the same steps, streamed or not."""
        call.usage = completion.usage  # paid for, even if empty
        if not completion.text.strip():
            raise self._error(f"{self.name} returned an empty completion")
        completion = self._priced(call, completion)
        call.usage, call.completion = completion.usage, completion
        call.cost, call.currency = completion.cost, completion.currency
        if check is not None:
            try:
                check(completion)
            except InvalidOutput:  # neither cached nor returned
                call.outcome = "invalid_output"
                raise
        if self.cache is not None and call.cache_key is not None and call.cache == "miss":
            await self.cache.put(call.cache_key, completion)
        call.outcome = "ok"
        return completion

    def _priced(self, call: _Call, completion: Completion) -> Completion:
        """The completion with its cost: 0 from the cache, None for a model without a price."""
        price = self.prices.find(self.name, completion.model, self.model)
        if price is None:
            if completion.model not in self.unpriced:
                self.unpriced.add(completion.model)
                log.warning("llm.price_unknown", provider=self.name, model=completion.model)
            return replace(completion, cost=None, currency=None)
        usage = completion.usage
        cost = 0.0 if call.cache == "hit" else price.cost(usage.input_tokens, usage.output_tokens)
        return replace(completion, cost=cost, currency=price.currency)

    def _failure(self, exc: Exception) -> ProviderError:
        """``exc``, whatever it is, as a ProviderError with our own message; what the
        provider said is only its detail, for the logs."""
        if isinstance(exc, ProviderError):
            return self._error(str(exc), exc.detail)
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return self._error(f"{self.name} {_fault(exc)}", detail)

    def _error(self, message: str, detail: str | None = None) -> ProviderError:
        """A ProviderError saying ``message`` and our request id; ``detail`` redacted (the
        configured secrets, anything shaped like a key) and shortened, for the logs."""
        if detail is not None:
            detail = " ".join(key_like(self.redactor.text(detail)).split())
            if len(detail) > DETAIL_LIMIT:
                detail = detail[: DETAIL_LIMIT - 3] + "..."
        return ProviderError(message + _reference(), detail)

    def _log(self, call: _Call) -> None:
        log.info(
            "llm.call",
            provider=self.name,
            model=self.model,
            prompt_version=call.prompt.version_tag,
            input_tokens=call.usage.input_tokens,
            output_tokens=call.usage.output_tokens,
            cost=call.cost,
            currency=call.currency,
            latency_ms=round((time.perf_counter() - call.started) * 1000, 1),
            outcome=call.outcome,
            stream=call.stream,
            cache=call.cache,
            **({"tokens_estimated": True} if call.estimated else {}),
            **({"error": str(call.error)} if call.error is not None else {}),
            **({"error_detail": call.error.detail} if call.error and call.error.detail else {}),
            **(self._content(call) if self.log_content else {}),
        )

    @staticmethod
    def _content(call: _Call) -> dict[str, object]:
        """The call's messages and reply, masked: logged only with ``LOG_CONTENT=true``."""
        messages = [{"role": m.role, "content": mask(m.content)} for m in call.messages]
        reply = call.completion.text if call.completion is not None else ""
        return {"messages": messages, "response": mask(reply)}

    async def ping(self) -> str:
        try:
            return await self.provider.ping()
        except Exception as exc:
            raise self._failure(exc) from exc

    async def aclose(self) -> None:
        await self.provider.aclose()
