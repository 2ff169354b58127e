"""The ``generate`` job: render a template for one item or a batch, and ask the LLM."""

from __future__ import annotations

from typing import Any

from ...llm.provider import ChatMessage, Completion
from ...llm.services import Services
from ...llm.summary import summary
from .templates import templates

KIND = "generate"


async def run(services: Services, payload: dict[str, Any]) -> dict[str, Any]:
    template = templates().get(payload["template"])
    if template is None or template.version != payload["version"]:
        raise ValueError(f"template {payload['template']}@{payload['version']} is not available")
    outputs: list[dict[str, Any]] = []
    completions: list[Completion] = []
    for values in payload["items"]:
        messages = [ChatMessage("user", template.render(values))]
        account = payload.get("account")
        data: dict[str, Any] | None = None
        if template.schema is None:
            attempts = [await services.llm.complete(template.prompt, messages, account=account)]
        else:  # JSON, validated: the template declares a schema
            structured = await services.llm.complete_json(
                template.prompt, messages, template.schema, account=account
            )
            attempts, data = list(structured.completions), structured.value.model_dump()
        completions += attempts  # a retried structured answer was paid for twice
        completion = attempts[-1]
        outputs.append(
            {
                "text": completion.text,
                **({"data": data} if data is not None else {}),
                "model": completion.model,
                "usage": summary(attempts),
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
