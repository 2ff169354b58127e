"""Fit a long message history into ``LLM_CONTEXT_TOKENS``: the oldest turns go first.

Tokens are estimated without a tokenizer (none can be downloaded at run time): about four
characters a token, plus a few tokens per message for its role and separators. That is close
for English prose and code, and low for some scripts (Chinese, Japanese: about one token per
character): set the limit with room to spare. The system prompt and the latest message are
always kept; after a trim the history sent starts with a user message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .provider import ChatMessage

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # tokens of a message's role and separators


def estimate(text: str) -> int:
    """The estimated tokens of ``text`` as one message."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD


@dataclass(frozen=True)
class Fitted:
    messages: list[ChatMessage]
    dropped: int  # messages left out, oldest first
    estimated_before: int
    estimated_after: int


def fit(system: str, messages: Sequence[ChatMessage], limit: int) -> Fitted:
    """``messages`` without their oldest turns, until the estimate is within ``limit``
    (0: no limit). The latest message stays even if it alone is over the limit."""
    sizes = [estimate(message.content) for message in messages]
    before = estimate(system) + sum(sizes)
    total, start = before, 0
    last = len(messages) - 1
    if limit:
        while total > limit and start < last:
            total -= sizes[start]
            start += 1
            # a turn goes whole: never start with the model's reply to a dropped message
            while start < last and messages[start].role != "user":
                total -= sizes[start]
                start += 1
    return Fitted(list(messages[start:]), start, before, total)


class Recent:
    """What ``fit`` keeps of a history, gathered newest first, so that a long history need
    not be read whole: ``add`` each message from the newest, and stop reading at the first
    it refuses (it no longer fits, nor does anything older). ``latest`` is the message to be
    answered, after the history; it is always sent, as by ``fit``."""

    def __init__(self, system: str, latest: ChatMessage, limit: int) -> None:
        spent = estimate(system) + estimate(latest.content)
        self.room = limit - spent if limit else None  # None: no limit
        self.tokens = 0
        self.left_out = False  # a message did not fit: it and every older one are left out
        self._newest_first: list[ChatMessage] = []

    def add(self, message: ChatMessage) -> bool:
        """Keep ``message``, older than those kept; False (and nothing kept) if it does not fit."""
        size = estimate(message.content)
        if self.room is not None and self.tokens + size > self.room:
            self.left_out = True
            return False
        self._newest_first.append(message)
        self.tokens += size
        return True

    def messages(self) -> list[ChatMessage]:
        """The history kept, oldest first; after a cut, from its first user message on (a turn
        goes whole: never the reply to a message left out)."""
        kept = self._newest_first[::-1]
        start = 0
        if self.left_out:
            while start < len(kept) and kept[start].role != "user":
                start += 1
        return kept[start:]
