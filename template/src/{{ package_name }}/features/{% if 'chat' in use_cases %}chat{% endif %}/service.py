"""The chat use case: a message in, a reply out, the conversation stored on the way.

A turn counts the conversation's messages (up to ``CONVERSATION_MAX_MESSAGES``) and reads the
recent history that ``LLM_CONTEXT_TOKENS`` can hold, newest first (for most conversations, one
query each), asks the model holding no database connection, then writes the
user's message and the reply in one transaction. A conversation holds at most
``CONVERSATION_MAX_MESSAGES``: a turn that could pass it is refused before anything is stored.
A conversation deleted while its turn waits for the model makes the turn's write fail: the
turn answers as for an unknown conversation. If the model fails, the user's
message is stored alone, so the client can retry in the same conversation. A streamed
turn stores the user's message before the stream starts (a client that goes away keeps
it), and the reply once complete. A stream cut short (its client left, or its provider
failed mid-way) stores no reply, but what its call used is stored apart
(``unfinished_replies``), for ``admin usage``. The service knows nothing of HTTP.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ...core.database import reading
from ...core.timestamps import utcnow
from ...llm.context import Recent
from ...llm.gateway import LLMGateway
from ...llm.prompts import Prompt, load
from ...llm.provider import ChatMessage, Completion
from . import identity, store
from .settings import ChatSettings

log = structlog.get_logger(__name__)


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


class ConversationFull(Exception):
    """The conversation holds as many messages as it may: a turn would add one or two more."""

    def __init__(self, conversation_id: str, most: int) -> None:
        super().__init__(
            f"conversation {conversation_id} is full: it holds the most messages "
            f"CONVERSATION_MAX_MESSAGES ({most}) allows with a turn; start a new conversation"
        )


@dataclass(frozen=True)
class Turn:
    """A user's message, with the history it is to be answered in; ``new`` while its
    conversation is not stored yet."""

    conversation_id: str
    messages: list[ChatMessage]
    new: bool
    received: datetime

    @property
    def text(self) -> str:
        return self.messages[-1].content


class ChatService:
    def __init__(
        self,
        engine: AsyncEngine,
        llm: LLMGateway,
        owner: str,
        account: str,
        limits: ChatSettings,
    ) -> None:
        self.engine = engine
        self.llm = llm
        self.owner = owner
        self.account = account
        self.max_messages = limits.conversation_max_messages

    async def start(self, message: str, conversation_id: str | None) -> Turn:
        """The turn, with the recent history the model's context can hold; in a new
        conversation without an id. UnknownConversation if the id is not one of the caller's,
        ConversationFull if a turn could take it past ``max_messages``. Nothing is stored yet."""
        user = ChatMessage("user", message)
        if conversation_id is None:
            return Turn(str(uuid.uuid4()), [user], new=True, received=utcnow())
        recent = Recent(chat_prompt().text, user, self.llm.context_tokens)
        most = self.max_messages - 1  # a turn stores up to two messages
        async with reading(self.engine) as connection:
            stored = await store.history(connection, conversation_id, self.owner, recent, most)
        if stored is None:
            raise UnknownConversation(conversation_id)
        if stored >= most:
            raise ConversationFull(conversation_id, self.max_messages)
        if recent.left_out:
            log.info("chat.history_trimmed", kept=len(recent.messages()), limit=recent.room)
        return Turn(conversation_id, [*recent.messages(), user], new=False, received=utcnow())

    async def keep(self, turn: Turn) -> Turn:
        """Store the user's message alone (and its conversation, if new)."""
        await self._save(turn, [self._user_row(turn)])
        return replace(turn, new=False)

    async def reply(self, turn: Turn) -> Completion:
        """Ask the model, then store the user's message and its reply together. If the
        model fails (ProviderError, or any error), the user's message is stored alone."""
        prompt = chat_prompt()
        try:
            completion = await self.llm.complete(prompt, turn.messages, account=self.account)
        except Exception:
            await self.keep(turn)
            raise
        reply = store.reply_message(turn.conversation_id, completion, prompt.version_tag)
        await self._save(turn, [self._user_row(turn), reply])
        return completion

    async def stream(self, turn: Turn) -> AsyncIterator[str | Completion]:
        """Text deltas, then the final completion once it is stored; ProviderError if the
        stream fails (then nothing of it is stored). The user's message must be stored
        already (``keep``)."""
        prompt = chat_prompt()

        async def unfinished(call: Completion) -> None:
            await store.save_unfinished(
                self.engine, turn.conversation_id, self.owner, call, prompt.version_tag
            )

        items = self.llm.stream(
            prompt, turn.messages, account=self.account, on_unfinished=unfinished
        )
        async with aclosing(items):  # closed with this stream, whoever stops reading it
            async for item in items:
                if isinstance(item, Completion):
                    reply = store.reply_message(turn.conversation_id, item, prompt.version_tag)
                    await self._save(turn, [reply])
                yield item

    async def _save(self, turn: Turn, rows: list[dict[str, Any]]) -> None:
        """Store ``rows``; UnknownConversation if the conversation was deleted since the turn
        read it (the insert breaks the messages' foreign key: no database fault)."""
        try:
            await store.save(self.engine, rows, self._new_for(turn))
        except IntegrityError:
            if turn.new or await self._exists(turn.conversation_id):
                raise
            raise UnknownConversation(turn.conversation_id) from None

    async def _exists(self, conversation_id: str) -> bool:
        async with reading(self.engine) as connection:
            return await store.owned(connection, conversation_id, self.owner)

    def _user_row(self, turn: Turn) -> dict[str, Any]:
        return store.user_message(turn.conversation_id, turn.text, turn.received)

    def _new_for(self, turn: Turn) -> str | None:
        return self.owner if turn.new else None
