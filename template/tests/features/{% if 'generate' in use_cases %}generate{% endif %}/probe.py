"""The generate use case's probe and job."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from ...support.probes import Probe
from ..jobs.helpers import JobProbe

BLOG = {"template": "blog_outline", "variables": {"topic": "tea"}}
PROBE = Probe("generate", "/v1/generate", 202, json=BLOG, redis_down_status=503)


def _start(client: httpx.Client) -> httpx.Response:
    return client.post("/v1/generate", json=BLOG)


async def _payload(session: AsyncSession) -> dict[str, Any]:
    return {"template": "blog_outline", "version": "1", "items": [{"topic": "tea"}], "batch": False}


JOB = JobProbe("generate", _start, _payload, text_field="text", reply_words=27)
