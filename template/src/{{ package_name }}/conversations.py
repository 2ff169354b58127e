"""Store and read conversations. The database is the only state (factor VI)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .llm.base import ChatMessage, Completion
from .models.conversations import Conversation, Message


async def exists(session: AsyncSession, conversation_id: str) -> bool:
    return await session.get(Conversation, conversation_id) is not None


async def messages(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    return (await session.scalars(query)).all()


def as_chat(history: Sequence[Message]) -> list[ChatMessage]:
    return [
        ChatMessage("user" if message.role == "user" else "assistant", message.content)
        for message in history
    ]


async def record_exchange(
    session: AsyncSession,
    conversation_id: str,
    user_text: str,
    reply: Completion,
    prompt_version: str,
) -> None:
    """Store the user's message and the reply together, in one transaction."""
    if await session.get(Conversation, conversation_id) is None:
        session.add(Conversation(id=conversation_id))
        await session.flush()
    session.add(Message(conversation_id=conversation_id, role="user", content=user_text))
    session.add(
        Message(
            conversation_id=conversation_id,
            role="assistant",
            content=reply.text,
            model=reply.model,
            prompt_version=prompt_version,
            input_tokens=reply.usage.input_tokens,
            output_tokens=reply.usage.output_tokens,
        )
    )
    await session.commit()
