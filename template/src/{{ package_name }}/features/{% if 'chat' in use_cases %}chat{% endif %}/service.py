"""The chat use case: a message in, a reply out, the conversation stored on the way.

One database session per request. The user's message is stored (and committed) before the
model is asked, so a failed call leaves it there to retry in the same conversation; the
reply is stored only once complete, streamed or not. The service knows nothing of HTTP.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from ...llm.gateway import LLMGateway
from ...llm.prompts import Prompt, load
from ...llm.provider import ChatMessage, Completion
from . import identity, store


@cache
def chat_prompt() -> Prompt:
    """The versioned system prompt, ``prompts/chat.md``, with the service's name filled in."""
    prompt = load(__package__, "chat")
    text = string.Template(prompt.text).safe_substitute(
        service=identity.SERVICE, description=identity.DESCRIPTION
    )
    return Prompt(prompt.name, prompt.version, text)


class UnknownConversation(LookupError):
    """The caller has no conversation of that id (another owner's does not exist for them)."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id} not found")


@dataclass(frozen=True)
class Turn:
    """A user's message, stored, with the history it is to be answered in."""

    conversation_id: str
    messages: list[ChatMessage]


class ChatService:
    def __init__(self, session: AsyncSession, llm: LLMGateway, owner: str, rate_key: str) -> None:
        self.session = session
        self.llm = llm
        self.owner = owner
        self.rate_key = rate_key

    async def start(self, message: str, conversation_id: str | None) -> Turn:
        """Store the user's message (in a new conversation without an id); UnknownConversation
        if the id is not one of the caller's."""
        history: list[ChatMessage] = []
        if conversation_id is not None:
            if not await store.exists(self.session, conversation_id, self.owner):
                raise UnknownConversation(conversation_id)
            history = store.as_chat(await store.messages(self.session, conversation_id))
        conversation_id = conversation_id or str(uuid.uuid4())
        await store.add_user_message(self.session, conversation_id, message, self.owner)
        return Turn(conversation_id, [*history, ChatMessage("user", message)])

    async def reply(self, turn: Turn) -> Completion:
        """Ask the model, store its reply; ProviderError (nothing stored) if it fails."""
        prompt = chat_prompt()
        completion = await self.llm.complete(prompt, turn.messages, rate_key=self.rate_key)
        await store.add_reply(self.session, turn.conversation_id, completion, prompt.version_tag)
        return completion

    async def stream(self, turn: Turn) -> AsyncIterator[str | Completion]:
        """Text deltas, then the final completion once it is stored; ProviderError if the
        stream fails (then nothing of it is stored)."""
        prompt = chat_prompt()
        async for item in self.llm.stream(prompt, turn.messages, rate_key=self.rate_key):
            if isinstance(item, Completion):
                await store.add_reply(self.session, turn.conversation_id, item, prompt.version_tag)
            yield item
