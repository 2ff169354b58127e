"""The generate use case's probe and job."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from ...support.probes import Probe
from ..jobs.helpers import JobProbe, wait_for_job

BLOG = {"template": "blog_outline", "variables": {"topic": "tea"}}
PROBE = Probe("generate", "/v1/generate", 202, json=BLOG, redis_down_status=503)


def _start(client: httpx.Client) -> httpx.Response:
    return client.post("/v1/generate", json=BLOG)


async def _payload(session: AsyncSession) -> dict[str, Any]:
    return {"template": "blog_outline", "version": "1", "items": [{"topic": "tea"}], "batch": False}


JOB = JobProbe("generate", _start, _payload, text_field="text", reply_words=27)

PRODUCT = {"product": "a teapot", "audience": "tea lovers"}


def _start_product(client: httpx.Client) -> httpx.Response:
    return client.post(
        "/v1/generate", json={"template": "product_description", "variables": PRODUCT}
    )


async def _payload_product(session: AsyncSession) -> dict[str, Any]:
    return {"template": "product_description", "version": "2", "items": [PRODUCT], "batch": False}


def say(client: httpx.Client, text: str) -> None:
    """Send ``text`` to the model through this use case (a template's variable), and wait."""
    body = {"template": "blog_outline", "variables": {"topic": text}}
    job_id = client.post("/v1/generate", json=body).json()["job_id"]
    assert wait_for_job(client, job_id)["status"] == "succeeded"


# A template that declares a schema: its answer is JSON, validated.
STRUCTURED_JOB = JobProbe(
    "generate", _start_product, _payload_product, text_field="data", reply_words=122
)
