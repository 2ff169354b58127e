"""The ``generate`` job: render a template for one item or a batch, and ask the LLM."""

from __future__ import annotations

from typing import Any

from ...core.services import Services
from ...core.usage import summary
from ...llm.provider import ChatMessage, Completion
from .templates import templates

KIND = "generate"


async def run(services: Services, payload: dict[str, Any]) -> dict[str, Any]:
    template = templates().get(payload["template"])
    if template is None or template.version != payload["version"]:
        raise ValueError(f"template {payload['template']}@{payload['version']} is not available")
    outputs: list[dict[str, Any]] = []
    completions: list[Completion] = []
    for values in payload["items"]:
        completion = await services.llm.complete(
            template.prompt,
            [ChatMessage("user", template.render(values))],
            rate_key=payload.get("rate_identity"),
        )
        completions.append(completion)
        outputs.append(
            {
                "text": completion.text,
                "model": completion.model,
                "usage": {
                    "input_tokens": completion.usage.input_tokens,
                    "output_tokens": completion.usage.output_tokens,
                    "cost": completion.cost,
                    "currency": completion.currency,
                },
            }
        )
    result: dict[str, Any] = {"template": template.name, "version": template.version}
    if payload["batch"]:
        result["items"] = outputs
    else:
        result.update(outputs[0])
    # The job's calls together, for `admin usage`: one model (one gateway) for them all.
    result["model"] = outputs[0]["model"]
    result["usage"] = summary(completions)  # tokens, requests and cost of them all
    return result
