"""Store and read conversations. The database is the only state (factor VI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from ...core.database import writing
from ...core.timestamps import utcnow
from ...llm.provider import ChatMessage, Completion
from .models import Conversation, Message, UnfinishedReply


async def exists(session: AsyncSession, conversation_id: str, owner: str) -> bool:
    """Whether the owner has this conversation: another owner's does not exist for them."""
    conversation = await session.get(Conversation, conversation_id)
    return conversation is not None and conversation.owner == owner


async def messages(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    return (await session.scalars(query)).all()


async def history(
    connection: AsyncConnection, conversation_id: str, owner: str
) -> list[ChatMessage] | None:
    """The owner's conversation, oldest message first; None if they have no such one.

    One query: the conversation joined to its messages (a new one has a row with none).
    """
    query = (
        select(Message.role, Message.content)
        .select_from(Conversation)
        .outerjoin(Message, Message.conversation_id == Conversation.id)
        .where(Conversation.id == conversation_id, Conversation.owner == owner)
        .order_by(Message.id)
    )
    rows = (await connection.execute(query)).all()
    if not rows:
        return None
    return [
        ChatMessage("user" if role == "user" else "assistant", content)
        for role, content in rows
        if role is not None
    ]


def user_message(conversation_id: str, text: str, at: datetime) -> dict[str, Any]:
    """The row of the user's message, stamped when the request came in."""
    return _row(conversation_id, "user", text, at)


def reply_message(conversation_id: str, reply: Completion, prompt_version: str) -> dict[str, Any]:
    """The row of the provider's reply: only a complete one, never a failed or partial one."""
    return {
        **_row(conversation_id, "assistant", reply.text, utcnow()),
        "model": reply.model,
        "prompt_version": prompt_version,
        "input_tokens": reply.usage.input_tokens,
        "output_tokens": reply.usage.output_tokens,
        "cost": reply.cost,
        "currency": reply.currency,
    }


def _row(conversation_id: str, role: str, content: str, at: datetime) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "role": role,
        "content": content,
        "model": None,
        "prompt_version": None,
        "input_tokens": None,
        "output_tokens": None,
        "cost": None,
        "currency": None,
        "created_at": at,
    }


async def delete(session: AsyncSession, conversation_id: str, owner: str) -> bool:
    """Delete the owner's conversation and its messages; False when they have none such."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.owner != owner:
        return False
    await session.execute(sql_delete(Message).where(Message.conversation_id == conversation_id))
    await session.delete(conversation)
    await session.commit()
    return True


# Core statements on the tables, built once: compiled once and cached, no ORM unit of work.
INSERT_CONVERSATION = insert(cast(Table, Conversation.__table__))
INSERT_MESSAGES = insert(cast(Table, Message.__table__))
INSERT_UNFINISHED = insert(cast(Table, UnfinishedReply.__table__))


async def save_unfinished(
    engine: AsyncEngine, conversation_id: str, owner: str, call: Completion, prompt_version: str
) -> None:
    """Store what the call of a reply cut short used (its text is not kept)."""
    row = {
        "conversation_id": conversation_id,
        "owner": owner,
        "model": call.model,
        "prompt_version": prompt_version,
        "input_tokens": call.usage.input_tokens,
        "output_tokens": call.usage.output_tokens,
        "cost": call.cost,
        "currency": call.currency,
        "created_at": utcnow(),
    }
    async with writing(engine) as connection:
        await connection.execute(INSERT_UNFINISHED, row)


async def save(engine: AsyncEngine, rows: list[dict[str, Any]], new_for: str | None = None) -> None:
    """Store messages in one transaction, in order, creating the conversation first when
    ``new_for`` names its owner: an INSERT or two (several rows go in one), no reads."""
    async with writing(engine) as connection:
        if new_for is not None:
            conversation = {"id": rows[0]["conversation_id"], "owner": new_for}
            await connection.execute(INSERT_CONVERSATION, conversation)
        await connection.execute(INSERT_MESSAGES, rows)
