"""The ``generate`` job: render a template for one item or a batch, and ask the LLM."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...core.services import Services
from ...llm.provider import ChatMessage
from .templates import templates

KIND = "generate"


async def run(services: Services, payload: dict[str, Any]) -> dict[str, Any]:
    template = templates().get(payload["template"])
    if template is None or template.version != payload["version"]:
        raise ValueError(f"template {payload['template']}@{payload['version']} is not available")
    outputs: list[dict[str, Any]] = []
    for values in payload["items"]:
        messages = [ChatMessage("user", template.render(values))]
        rate_key = payload.get("rate_identity")
        data: dict[str, Any] | None = None
        if template.schema is None:
            completion = await services.llm.complete(template.prompt, messages, rate_key=rate_key)
            usage = completion.usage
        else:  # JSON, validated: the template declares a schema
            structured = await services.llm.complete_json(
                template.prompt, messages, template.schema, rate_key=rate_key
            )
            completion, usage = structured.completion, structured.usage
            data = structured.value.model_dump()
        outputs.append(
            {
                "text": completion.text,
                **({"data": data} if data is not None else {}),
                "model": completion.model,
                "usage": {
                    "input_tokens": usage.input_tokens,
                    "output_tokens": usage.output_tokens,
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
    result["usage"] = {
        "input_tokens": _total(output["usage"]["input_tokens"] for output in outputs),
        "output_tokens": _total(output["usage"]["output_tokens"] for output in outputs),
        "requests": len(outputs),
    }
    return result


def _total(counts: Iterable[int | None]) -> int | None:
    """The sum, or None when the provider reported none of them."""
    known = [count for count in counts if count is not None]
    return sum(known) if known else None
