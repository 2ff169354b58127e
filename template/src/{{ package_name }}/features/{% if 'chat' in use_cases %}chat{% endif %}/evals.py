"""How ``admin eval`` runs a chat case: the messages in turn, through the chat service.

A case's input is ``messages``, the user's messages of one conversation, sent one after the
other as ``POST /v1/chat`` would (each stored, then answered with the history); the answer
graded is the reply to the last one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ...core.evaluation import Outcome, UseCase
from ...llm.services import Services
from .service import ChatService, chat_prompt
from .settings import ChatSettings

EVAL_OWNER = "evals"


class ChatCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[str] = Field(min_length=1, max_length=20)


def _add(total: int | None, count: int | None) -> int | None:
    return count if total is None else total + (count or 0)


async def run(services: Services, case: ChatCase) -> Outcome:
    tokens_in: int | None = None
    tokens_out: int | None = None
    costs: list[float] = []
    conversation_id: str | None = None
    limits = services.config(ChatSettings)
    chat = ChatService(services.engine, services.llm, EVAL_OWNER, EVAL_OWNER, limits)
    for message in case.messages:
        turn = await chat.start(message, conversation_id)
        conversation_id = turn.conversation_id
        completion = await chat.reply(turn)
        tokens_in = _add(tokens_in, completion.usage.input_tokens)
        tokens_out = _add(tokens_out, completion.usage.output_tokens)
        cost = getattr(completion, "cost", None)  # when a price table priced the call
        if isinstance(cost, float | int):
            costs.append(float(cost))
    return Outcome(
        text=completion.text,
        model=completion.model,
        prompt_version=chat_prompt().version_tag,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        requests=len(case.messages),
        cost=round(sum(costs), 10) if costs else None,
    )


use_case: UseCase[Services] = UseCase("chat", ChatCase, run)
