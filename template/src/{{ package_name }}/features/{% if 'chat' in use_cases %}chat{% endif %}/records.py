"""What the admin tasks read of the stored conversations: their age, and their tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, exists, literal, select

from ...core.retention import Dependent, Retention
from ...core.usage import UsageRows, usage_rows
from .models import Conversation, Message, UnfinishedReply


def inactive_since(cutoff: datetime) -> ColumnElement[bool]:
    """Conversations whose last activity (started, or last message) is before ``cutoff``."""
    recent = select(Message.id).where(
        Message.conversation_id == Conversation.id, Message.created_at >= cutoff
    )
    return (Conversation.created_at < cutoff) & ~exists(recent)


RETENTION = Retention(
    kind="conversations",
    key=Conversation.id,
    expired=inactive_since,
    dependents=[Dependent("messages", Message.conversation_id)],
)
UNFINISHED_RETENTION = Retention(
    kind="unfinished_replies",
    key=UnfinishedReply.id,
    expired=lambda cutoff: UnfinishedReply.created_at < cutoff,
)

USAGE: UsageRows = usage_rows(
    at=Message.created_at,
    owner=Conversation.owner,
    model=Message.model,
    input_tokens=Message.input_tokens,
    output_tokens=Message.output_tokens,
    requests=literal(1),
    cost=Message.cost,
    currency=Message.currency,
    unpriced=case((Message.cost.is_(None), 1), else_=0),
).where(Message.conversation_id == Conversation.id, Message.role == "assistant")
"""One row per stored reply: only complete replies are stored, each one provider call."""

UNFINISHED_USAGE: UsageRows = usage_rows(
    at=UnfinishedReply.created_at,
    owner=UnfinishedReply.owner,
    model=UnfinishedReply.model,
    input_tokens=UnfinishedReply.input_tokens,
    output_tokens=UnfinishedReply.output_tokens,
    requests=literal(1),
    cost=UnfinishedReply.cost,
    currency=UnfinishedReply.currency,
    unpriced=case((UnfinishedReply.cost.is_(None), 1), else_=0),
)
"""One row per reply cut short: its call was paid for, though no reply was stored."""
