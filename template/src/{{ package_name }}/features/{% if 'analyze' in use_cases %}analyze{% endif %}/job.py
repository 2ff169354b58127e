"""The ``analyze`` job: profile a stored dataset, then ask the LLM for grounded insights."""

from __future__ import annotations

import json
from typing import Any

from ...core.services import Services
from ...core.usage import summary as usage_summary
from ...llm.prompts import load
from ...llm.provider import ChatMessage
from .datasets import profile
from .models import Dataset

KIND = "analyze"


async def run(services: Services, payload: dict[str, Any]) -> dict[str, Any]:
    async with services.sessions() as session:
        dataset = await session.get(Dataset, payload["dataset_id"])
        if dataset is None:
            raise ValueError(f"dataset {payload['dataset_id']} no longer exists")
        columns, rows = list(dataset.columns), list(dataset.rows)
    summary = profile(columns, rows)
    prompt = load(__package__, "analyze")
    question = (
        f"Question: {payload['question']}\n\n"
        f"Dataset profile (JSON):\n{json.dumps(summary, indent=1, sort_keys=True)}"
    )
    completion = await services.llm.complete(
        prompt, [ChatMessage("user", question)], rate_key=payload.get("rate_identity")
    )
    return {
        "dataset_id": payload["dataset_id"],
        "question": payload["question"],
        "profile": summary,
        "insights": completion.text,
        "model": completion.model,
        "prompt_version": prompt.version_tag,
        "usage": usage_summary([completion]),
    }
