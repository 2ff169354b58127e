"""An exact-match cache of LLM responses in Redis, with a TTL (``LLM_CACHE_TTL_S``).

The key covers everything that shapes the answer: provider, model, prompt version, system
prompt and messages. Without Redis there is no cache. A Redis outage only means misses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict

import structlog

from ..core.redis_client import LazyRedis, redis_errors
from .provider import ChatMessage, Completion, Usage

log = structlog.get_logger(__name__)


class LLMCache:
    def __init__(self, redis: LazyRedis, prefix: str, ttl_s: int) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:llm-cache"
        self.ttl_s = ttl_s

    def key(self, material: Sequence[str], messages: Sequence[ChatMessage]) -> str:
        """The key of a call: its provider, model, prompt version and text, and messages."""
        text = json.dumps([*material, [asdict(m) for m in messages]], separators=(",", ":"))
        return f"{self.prefix}:{hashlib.sha256(text.encode()).hexdigest()}"

    async def get(self, key: str) -> Completion | None:
        try:
            raw = await (await self.redis.client()).get(key)
        except redis_errors() as exc:
            log.warning("llm.cache_degraded", error=type(exc).__name__)
            return None
        if raw is None:
            return None
        data = json.loads(raw)
        usage = Usage(**data["usage"])
        return Completion(data["text"], data["model"], usage, data.get("finish_reason"))

    async def put(self, key: str, completion: Completion) -> None:
        value = json.dumps(asdict(completion))
        try:
            await (await self.redis.client()).set(key, value, ex=self.ttl_s)
        except redis_errors() as exc:
            log.warning("llm.cache_degraded", error=type(exc).__name__)
