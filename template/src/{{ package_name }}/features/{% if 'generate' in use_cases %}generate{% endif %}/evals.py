"""How ``admin eval`` runs a generate case: the ``generate`` job, for one item.

A case's input is a ``template`` name and its ``variables``; the job runs in the eval
process (no queue), exactly as a worker would run it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ...core.evaluation import Outcome, UseCase
from ...llm.services import Services
from . import job
from .templates import templates


class GenerateCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in templates():
            raise ValueError(f"no template {name!r} (one of {', '.join(sorted(templates()))})")
        return name


def _answer(result: dict[str, Any]) -> tuple[str, Any]:
    """The answer as text and, when the job returns JSON, as JSON."""
    for key in ("data", "output", "json"):
        if isinstance(result.get(key), dict | list):
            return json.dumps(result[key], ensure_ascii=False), result[key]
    text = result.get("text")
    if isinstance(text, str):
        return text, None
    return json.dumps(text, ensure_ascii=False), text


async def run(services: Services, case: GenerateCase) -> Outcome:
    template = templates()[case.template]
    payload = {
        "template": template.name,
        "version": template.version,
        "items": [case.variables],
        "batch": False,
    }
    result = await job.run(services, payload)
    text, data = _answer(result)
    usage = result.get("usage", {})
    return Outcome(
        text=text,
        data=data,
        model=result.get("model"),
        prompt_version=template.prompt.version_tag,
        input_tokens=usage.get("input_tokens"),
        output_tokens=usage.get("output_tokens"),
        requests=usage.get("requests", 1),
        cost=usage.get("cost"),  # when a price table priced the calls
    )


use_case: UseCase[Services] = UseCase("generate", GenerateCase, run)
