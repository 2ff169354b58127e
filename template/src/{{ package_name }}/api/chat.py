"""The conversation API: chat, streamed or not, and reading a conversation back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from functools import cache

import structlog
from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .. import conversations, prompt_files, sse
from ..auth import require_api_key
from ..db import DATABASE_ERRORS
from ..errors import ApiError, error_body
from ..llm.base import ChatMessage, Completion, ProviderError
from ..rate_limit import RateLimitDep, enforce
from ..services import Services, ServicesDep

log = structlog.get_logger(__name__)
router = APIRouter(
    prefix="/v1", tags=["chat"], dependencies=[Depends(require_api_key), Depends(enforce)]
)


@cache
def chat_prompt() -> prompt_files.Prompt:
    """The versioned system prompt, ``prompts/chat.md``."""
    return prompt_files.load("chat")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=100_000)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=36)
    stream: bool = False


class UsageOut(BaseModel):
    input_tokens: int | None
    output_tokens: int | None


class ChatResponse(BaseModel):
    conversation_id: str
    reply: str
    model: str
    usage: UsageOut


class MessageOut(BaseModel):
    role: str
    content: str
    model: str | None
    prompt_version: str | None
    usage: UsageOut | None
    created_at: datetime


class ConversationOut(BaseModel):
    conversation_id: str
    messages: list[MessageOut]


def _usage(completion: Completion) -> dict[str, int | None]:
    return {
        "input_tokens": completion.usage.input_tokens,
        "output_tokens": completion.usage.output_tokens,
    }


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE with stream"},
        404: {"description": "Unknown conversation_id"},
        502: {"description": "The LLM provider failed after retries"},
    },
)
async def chat(body: ChatRequest, services: ServicesDep, who: RateLimitDep) -> object:
    """Send a message; pass ``conversation_id`` to continue a conversation."""
    conversation_id = body.conversation_id or str(uuid.uuid4())
    history: Sequence[ChatMessage] = []
    if body.conversation_id is not None:
        async with services.sessions() as session:
            if not await conversations.exists(session, conversation_id):
                raise ApiError(404, "not_found", f"conversation {conversation_id} not found")
            history = conversations.as_chat(await conversations.messages(session, conversation_id))
    prompt = [*history, ChatMessage("user", body.message)]
    if body.stream:
        events = _stream(services, who, conversation_id, body.message, prompt)
        return StreamingResponse(events, media_type="text/event-stream", headers=sse.HEADERS)
    try:
        reply = await services.provider.complete(
            chat_prompt().text, prompt, prompt_version=chat_prompt().version_tag
        )
    except ProviderError as exc:
        raise ApiError(502, "provider_error", str(exc)) from exc
    await services.limiter.add_tokens(who, reply.usage.total)
    async with services.sessions() as session:
        await conversations.record_exchange(
            session, conversation_id, body.message, reply, chat_prompt().version_tag
        )
    return ChatResponse(
        conversation_id=conversation_id,
        reply=reply.text,
        model=reply.model,
        usage=UsageOut(**_usage(reply)),
    )


async def _stream(
    services: Services,
    who: str,
    conversation_id: str,
    user_text: str,
    prompt: Sequence[ChatMessage],
) -> AsyncIterator[str]:
    """``delta`` events, then ``done``; or an ``error`` event that ends the stream."""
    final: Completion | None = None
    items = services.provider.stream(
        chat_prompt().text, prompt, prompt_version=chat_prompt().version_tag
    )
    try:
        async for item in sse.until_shutdown(items, services.shutdown):
            if isinstance(item, Completion):
                final = item
            else:
                yield sse.event("delta", {"text": item})
        if final is None:
            raise ProviderError("the provider ended the stream without a result")
        await services.limiter.add_tokens(who, final.usage.total)
        async with services.sessions() as session:
            await conversations.record_exchange(
                session, conversation_id, user_text, final, chat_prompt().version_tag
            )
    except ProviderError as exc:
        yield sse.event("error", error_body("provider_error", str(exc)))
        return
    except sse.ShutdownError:
        message = "the server is shutting down; retry the request"
        yield sse.event("error", error_body("shutting_down", message))
        return
    except DATABASE_ERRORS as exc:
        message = f"could not store the conversation ({type(exc).__name__})"
        yield sse.event("error", error_body("database_unavailable", message))
        return
    except Exception:
        # Whatever went wrong, the stream still ends with an event the client understands.
        log.exception("chat.stream_failed")
        yield sse.event("error", error_body("internal_error", "internal server error"))
        return
    done = {"conversation_id": conversation_id, "model": final.model, "usage": _usage(final)}
    yield sse.event("done", done)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(conversation_id: str, services: ServicesDep) -> ConversationOut:
    """The stored messages of a conversation, oldest first."""
    async with services.sessions() as session:
        if not await conversations.exists(session, conversation_id):
            raise ApiError(404, "not_found", f"conversation {conversation_id} not found")
        stored = await conversations.messages(session, conversation_id)
    return ConversationOut(
        conversation_id=conversation_id,
        messages=[
            MessageOut(
                role=message.role,
                content=message.content,
                model=message.model,
                prompt_version=message.prompt_version,
                usage=None
                if message.role == "user"
                else UsageOut(
                    input_tokens=message.input_tokens, output_tokens=message.output_tokens
                ),
                created_at=message.created_at,
            )
            for message in stored
        ],
    )
