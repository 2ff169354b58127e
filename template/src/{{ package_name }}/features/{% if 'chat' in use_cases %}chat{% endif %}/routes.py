"""The chat API: HTTP in, a ``ChatService`` call, HTTP out; and reading conversations back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import structlog
from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from ...core import sse
from ...core.database import DATABASE_ERRORS, write_session
from ...core.deps import BudgetDep, OwnerDep
from ...core.errors import ApiError, ErrorBody, error_body
from ...core.fields import Text
from ...core.pagination import (
    DEFAULT_LIMIT,
    AfterQuery,
    CursorQuery,
    LimitQuery,
    Page,
    newest_first,
    page,
)
from ...core.routing import v1_router
from ...llm.provider import Completion, ProviderError
from ...llm.services import ServicesDep
from . import store
from .models import Conversation
from .schemas import (
    ChatDelta,
    ChatDone,
    ChatRequest,
    ChatResponse,
    ConversationOut,
    ConversationSummary,
    MessageOut,
    ProviderErrorOut,
    UsageOut,
)
from .service import ChatService, ConversationFull, Turn, UnknownConversation
from .settings import ChatSettings

log = structlog.get_logger(__name__)
router = v1_router("chat")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown conversation_id"}}


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        200: {
            "content": sse.content(delta=ChatDelta, done=ChatDone, error=ErrorBody),
            "description": "The reply; with ``stream``, ``delta`` events then ``done`` or "
            "``error``",
            "links": {
                "conversation": {
                    "operationRef": "#/paths/~1v1~1conversations~1{conversation_id}/get",
                    "parameters": {"conversation_id": "$response.body#/conversation_id"},
                }
            },
        },
        **NOT_FOUND,
        409: {
            "description": "The conversation holds ``CONVERSATION_MAX_MESSAGES`` messages, "
            "or one less (code ``conversation_full``): nothing is stored; start a new one",
        },
        502: {
            "model": ProviderErrorOut,
            "description": "The LLM provider failed after retries, or answered with no "
            "complete reply. The user's message is stored in the conversation "
            "``conversation_id``; no reply is. Retry with that ``conversation_id``.",
        },
    },
)
async def chat(
    body: ChatRequest, request: Request, services: ServicesDep, account: BudgetDep, owner: OwnerDep
) -> object:
    """Send a message; pass ``conversation_id`` to continue a conversation.

    The message is stored with the reply, once the provider has given a complete one; or
    alone, if the provider fails.
    """
    chat = ChatService(services.engine, services.llm, owner, account, services.config(ChatSettings))
    try:
        turn = await chat.start(body.message, body.conversation_id)
        if body.stream:
            turn = await chat.keep(turn)  # stored before the stream: a client may go away
            events = _stream(chat, turn, services.shutdown, sse.disconnected(request))
            return StreamingResponse(events, media_type=sse.MEDIA_TYPE, headers=sse.HEADERS)
        reply = await chat.reply(turn)
    except UnknownConversation as exc:  # or deleted while the model answered
        raise ApiError(404, "not_found", str(exc)) from exc
    except ConversationFull as exc:
        raise ApiError(409, "conversation_full", str(exc)) from exc
    except ProviderError as exc:
        conversation_id = turn.conversation_id
        raise ApiError(502, "provider_error", str(exc), conversation_id=conversation_id) from exc
    return ChatResponse(
        conversation_id=turn.conversation_id,
        reply=reply.text,
        model=reply.model,
        usage=UsageOut.of(reply.usage),
    )


async def _stream(
    chat: ChatService, turn: Turn, shutdown: asyncio.Event, gone: sse.Watch
) -> AsyncIterator[str]:
    """``delta`` events, then ``done``; or an ``error`` event that ends the stream.

    The reply is stored only before ``done``: after an ``error`` the conversation holds the
    user's message and none of the deltas. A ``provider_error`` names the ``conversation_id``.
    A client that leaves ends the turn at once: nobody is left to read it.
    """
    final: Completion | None = None
    try:
        async for item in sse.watched(chat.stream(turn), shutdown, gone):
            if isinstance(item, Completion):
                final = item
            else:
                yield sse.event("delta", {"text": item})
    except ProviderError as exc:
        body = error_body("provider_error", str(exc), conversation_id=turn.conversation_id)
        yield sse.event("error", body)
        return
    except ApiError as exc:  # budget_exceeded, when another request spent it meanwhile
        yield sse.event("error", error_body(exc.code, exc.message, **exc.extra))
        return
    except UnknownConversation as exc:  # deleted while the model answered
        yield sse.event("error", error_body("not_found", str(exc)))
        return
    except sse.ClientGone:
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
    assert final is not None  # the gateway ends every stream with its completion
    done = ChatDone(
        conversation_id=turn.conversation_id, model=final.model, usage=UsageOut.of(final.usage)
    )
    yield sse.event("done", done.model_dump())


@router.get("/conversations", response_model=Page[ConversationSummary])
async def list_conversations(
    services: ServicesDep,
    owner: OwnerDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ConversationSummary]:
    """The caller's conversations, newest first."""
    mine = select(Conversation).where(Conversation.owner == owner)
    query = newest_first(mine, Conversation.created_at, Conversation.id, cursor, limit)
    async with services.sessions() as session:
        rows = (await session.scalars(query)).all()
    return page(rows, limit, ConversationSummary.of)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut, responses=NOT_FOUND)
async def get_conversation(
    conversation_id: Text,
    services: ServicesDep,
    owner: OwnerDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: AfterQuery = None,
) -> ConversationOut:
    """The stored messages of a conversation, oldest first, a page at a time."""
    after = None if cursor is None else int(cursor)
    async with services.sessions() as session:
        if not await store.exists(session, conversation_id, owner):
            raise ApiError(404, "not_found", str(UnknownConversation(conversation_id)))
        stored = await store.messages(session, conversation_id, after, limit)
    more = len(stored) > limit
    return ConversationOut(
        conversation_id=conversation_id,
        messages=[MessageOut.of(message) for message in stored[:limit]],
        next_cursor=str(stored[limit - 1].id) if more else None,
    )


@router.delete("/conversations/{conversation_id}", status_code=204, responses=NOT_FOUND)
async def delete_conversation(
    conversation_id: Text, services: ServicesDep, owner: OwnerDep
) -> None:
    """Delete a conversation and its messages."""
    async with write_session(services.sessions) as session:
        if not await store.delete(session, conversation_id, owner):
            raise ApiError(404, "not_found", str(UnknownConversation(conversation_id)))
