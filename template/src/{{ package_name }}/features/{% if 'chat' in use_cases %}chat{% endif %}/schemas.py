"""What the chat API takes and gives: its request, response and event bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ...core.errors import ErrorDetail
from ...core.fields import Text
from ...core.timestamps import Timestamp
from ...llm.provider import Usage
from .models import Conversation, Message


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Text = Field(min_length=1, max_length=100_000)
    conversation_id: Text | None = Field(default=None, min_length=1, max_length=36)
    stream: bool = False


class UsageOut(BaseModel):
    input_tokens: int | None
    output_tokens: int | None

    @classmethod
    def of(cls, usage: Usage) -> UsageOut:
        return cls(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)


class ChatResponse(BaseModel):
    conversation_id: str
    reply: str
    model: str
    usage: UsageOut


class MessageOut(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    model: str | None
    prompt_version: str | None
    usage: UsageOut | None
    created_at: Timestamp

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        usage = None
        if message.role != "user":
            usage = UsageOut(input_tokens=message.input_tokens, output_tokens=message.output_tokens)
        return cls(
            role="user" if message.role == "user" else "assistant",
            content=message.content,
            model=message.model,
            prompt_version=message.prompt_version,
            usage=usage,
            created_at=message.created_at,
        )


class ConversationSummary(BaseModel):
    conversation_id: str
    created_at: Timestamp

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationSummary:
        return cls(conversation_id=conversation.id, created_at=conversation.created_at)


class ConversationOut(BaseModel):
    """A page of a conversation's messages, oldest first."""

    conversation_id: str
    messages: list[MessageOut]
    next_cursor: str | None = Field(
        description="Pass it as ``?cursor=`` for the next page; null on the last page"
    )


class ProviderErrorDetail(ErrorDetail):
    code: Literal["provider_error"]
    conversation_id: str


class ProviderErrorOut(BaseModel):
    error: ProviderErrorDetail


class ChatDelta(BaseModel):
    """A ``delta`` event of a streamed reply: the next piece of its text."""

    text: str


class ChatDone(BaseModel):
    """The ``done`` event that ends a streamed reply, once it is stored."""

    conversation_id: str
    model: str
    usage: UsageOut
