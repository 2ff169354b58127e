"""The ``analyze`` job: profile a stored dataset, then ask the LLM for grounded insights.

The insights are JSON validated against ``Insights`` (``llm/structured.py``): invalid output
is retried once with the validation error, then the job fails with it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from ...llm.prompts import load
from ...llm.provider import ChatMessage
from ...llm.services import Services
from ...llm.summary import summary as usage_summary
from .datasets import profile
from .models import Dataset

KIND = "analyze"


class Insights(BaseModel):
    answer: str = Field(description="A direct answer to the question")
    findings: list[str] = Field(description="The insights behind it, each citing its figures")


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
    structured = await services.llm.complete_json(
        prompt, [ChatMessage("user", question)], Insights, account=payload.get("account")
    )
    completion = structured.completion
    return {
        "dataset_id": payload["dataset_id"],
        "question": payload["question"],
        "profile": summary,
        "insights": structured.value.model_dump(),
        "model": completion.model,
        "prompt_version": prompt.version_tag,
        "usage": usage_summary(structured.completions),
    }
