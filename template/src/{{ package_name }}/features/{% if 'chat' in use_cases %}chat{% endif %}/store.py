"""Store and read conversations. The database is the only state (factor VI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ScalarSelect, Select, Table, func, insert, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from ...core.database import writing
from ...core.timestamps import utcnow
from ...llm.context import Recent
from ...llm.provider import ChatMessage, Completion
from .models import Conversation, Message, UnfinishedReply


async def exists(session: AsyncSession, conversation_id: str, owner: str) -> bool:
    """Whether the owner has this conversation: another owner's does not exist for them."""
    conversation = await session.get(Conversation, conversation_id)
    return conversation is not None and conversation.owner == owner


async def owned(connection: AsyncConnection, conversation_id: str, owner: str) -> bool:
    """Whether the owner has this conversation, now."""
    query = select(Conversation.id).where(
        Conversation.id == conversation_id, Conversation.owner == owner
    )
    return (await connection.execute(query)).first() is not None


async def messages(
    session: AsyncSession, conversation_id: str, after: int | None, limit: int
) -> Sequence[Message]:
    """A page of the conversation's messages, oldest first, from after the message ``after``:
    one row more than ``limit``, to tell whether there is a next page."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    if after is not None:
        query = query.where(Message.id > after)
    return (await session.scalars(query.order_by(Message.id).limit(limit + 1))).all()


FIRST_BATCH = 32  # rows of the history read first; each next batch doubles
LAST_BATCH = 512


def _counted(conversation_id: str, most: int) -> ScalarSelect[int]:
    """The conversation's messages, counted up to ``most``: no more rows are read for it."""
    rows = select(Message.id).where(Message.conversation_id == conversation_id).limit(most)
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


def _newest(conversation_id: str, before: int | None, size: int) -> Select[int, str, str]:
    query = select(Message.id, Message.role, Message.content).where(
        Message.conversation_id == conversation_id
    )
    if before is not None:
        query = query.where(Message.id < before)
    return query.order_by(Message.id.desc()).limit(size)


async def history(
    connection: AsyncConnection, conversation_id: str, owner: str, recent: Recent, most: int
) -> int | None:
    """Give ``recent`` the owner's conversation newest first, until a message no longer fits,
    and say how many messages it holds, counted up to ``most`` (one that holds ``most`` is
    full: nothing of it is read); None if they have no such conversation.

    The rows are read a batch at a time, newest first, by the (conversation, id) index: the
    next batch only while every message has fitted. A turn reads about what the model is
    sent, however long the conversation.
    """
    owned = select(_counted(conversation_id, most)).where(
        Conversation.id == conversation_id, Conversation.owner == owner
    )
    stored = (await connection.execute(owned)).scalar_one_or_none()
    if stored is None or stored >= most:
        return stored
    before, size = None, FIRST_BATCH
    while True:
        query = _newest(conversation_id, before, size)
        rows = (await connection.execute(query)).all()
        batch = [(row_id, role, content) for row_id, role, content in rows]
        if not _gives(recent, batch) or len(batch) < size:
            return stored
        before, size = batch[-1][0], min(size * 2, LAST_BATCH)


def _gives(recent: Recent, rows: Sequence[tuple[int, str, str]]) -> bool:
    """Give ``recent`` these rows, newest first; False as soon as one does not fit."""
    for _, role, content in rows:
        if not recent.add(ChatMessage("user" if role == "user" else "assistant", content)):
            return False
    return True


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
