"""Store and read conversations. The database is the only state (factor VI)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ...llm.provider import ChatMessage, Completion
from .models import Conversation, Message


async def exists(session: AsyncSession, conversation_id: str, owner: str) -> bool:
    """Whether the owner has this conversation: another owner's does not exist for them."""
    conversation = await session.get(Conversation, conversation_id)
    return conversation is not None and conversation.owner == owner


async def messages(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    return (await session.scalars(query)).all()


def as_chat(history: Sequence[Message]) -> list[ChatMessage]:
    return [
        ChatMessage("user" if message.role == "user" else "assistant", message.content)
        for message in history
    ]


async def add_user_message(
    session: AsyncSession, conversation_id: str, text: str, owner: str
) -> None:
    """Store the user's message, creating the conversation if it is new.

    It is stored before the provider is called: if the provider fails, the message stays,
    and the client can retry in the same conversation.
    """
    if await session.get(Conversation, conversation_id) is None:
        session.add(Conversation(id=conversation_id, owner=owner))
        await session.flush()
    session.add(Message(conversation_id=conversation_id, role="user", content=text))
    await session.commit()


async def delete(session: AsyncSession, conversation_id: str, owner: str) -> bool:
    """Delete the owner's conversation and its messages; False when they have none such."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.owner != owner:
        return False
    await session.execute(sql_delete(Message).where(Message.conversation_id == conversation_id))
    await session.delete(conversation)
    await session.commit()
    return True


async def add_reply(
    session: AsyncSession, conversation_id: str, reply: Completion, prompt_version: str
) -> None:
    """Store the provider's reply: only a complete one, never a failed or partial one."""
    session.add(
        Message(
            conversation_id=conversation_id,
            role="assistant",
            content=reply.text,
            model=reply.model,
            prompt_version=prompt_version,
            input_tokens=reply.usage.input_tokens,
            output_tokens=reply.usage.output_tokens,
            cost=reply.cost,
            currency=reply.currency,
        )
    )
    await session.commit()
