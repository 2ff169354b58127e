"""A deterministic provider that needs no network and no key: the default.

It answers from the messages it is sent, so tests and demos can check that the history
reached the provider, and it streams word by word like a real model. Asked for a schema,
it answers JSON valid for it, its strings quoting the start of the last message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

from ...core.settings import Settings
from ..provider import ChatMessage, Completion, OutputSchema, Usage
from ..sample import sample

QUOTED = 200  # characters of the last message quoted in a structured answer


def _count(text: str) -> int:
    return len(text.split())


class OfflineProvider:
    name = "offline"

    def __init__(self, model: str, delay_s: float = 0.0, max_output_tokens: int = 4096) -> None:
        self.model = model
        self.delay_s = delay_s
        self.max_output_tokens = max_output_tokens  # LLM_MAX_OUTPUT_TOKENS: words, here

    def _reply(
        self, system: str, messages: Sequence[ChatMessage], schema: OutputSchema | None = None
    ) -> Completion:
        last = messages[-1].content if messages else ""
        turn = sum(1 for message in messages if message.role == "user")
        text = f"Offline reply to turn {turn}: you said {last!r}."
        stop = "stop"
        if schema is not None:  # JSON for the schema, whole: a cut would make it invalid
            quoted = " ".join(last.split())[:QUOTED]
            text = json.dumps(sample(schema.schema, repr(quoted)))
        else:
            words = text.split(" ")
            stop = "length" if len(words) > self.max_output_tokens else "stop"  # cut as models are
            text = " ".join(words[: self.max_output_tokens])
        tokens_in = _count(system) + sum(_count(message.content) for message in messages)
        return Completion(text, self.model, Usage(tokens_in, _count(text)), stop)

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], schema: OutputSchema | None = None
    ) -> Completion:
        completion = self._reply(system, messages, schema)
        if self.delay_s:  # as long as streaming the same reply would take
            await asyncio.sleep(self.delay_s * len(completion.text.split(" ")))
        return completion

    async def stream(
        self, system: str, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[str | Completion]:
        completion = self._reply(system, messages)
        words = completion.text.split(" ")
        for index, word in enumerate(words):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield word if index == len(words) - 1 else word + " "
        yield completion

    async def ping(self) -> str:
        return f"offline provider, model {self.model}"

    async def aclose(self) -> None:
        return None


def build(settings: Settings) -> OfflineProvider:
    return OfflineProvider(
        settings.model_name, settings.llm_offline_delay_ms / 1000, settings.llm_max_output_tokens
    )
