"""The limits of a conversation, read from the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from ...core.settings import ENVIRONMENT


class ChatSettings(BaseSettings):
    model_config = ENVIRONMENT

    # Stored messages, the user's and the replies: a turn that could pass it is a 409.
    conversation_max_messages: int = Field(default=1_000, ge=2, le=1_000_000)
