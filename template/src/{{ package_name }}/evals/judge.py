"""The model as judge: a case's rubric, its input and the answer, graded PASS or FAIL.

The judge is the configured model, asked through the same gateway as the use cases. Its
verdict is the first word of its reply. The offline provider cannot judge (it only echoes):
with it the judge check is recorded as skipped, and passes, so that the offline run stays
deterministic. A judge is only meaningful with a real model.
"""

from __future__ import annotations

import json
from typing import Any

from ..llm.gateway import LLMGateway
from ..llm.prompts import Prompt
from ..llm.provider import ChatMessage, ProviderError
from .checks import CheckResult

JUDGE = Prompt(
    "evals/judge",
    "1",
    "You grade the answer of an AI service against a rubric. Reply with one word on the"
    " first line, PASS if the answer meets the rubric and FAIL if it does not, then one"
    " sentence that says why.",
)
MAX_ANSWER = 20_000  # characters of the answer shown to the judge


def verdict(reply: str) -> bool | None:
    """True for PASS, False for FAIL, None when the reply is neither."""
    words = reply.strip().split(maxsplit=1)
    first = words[0].strip(".:*!").upper() if words else ""
    return {"PASS": True, "FAIL": False}.get(first)


async def judge(
    llm: LLMGateway, rubric: str, case_input: dict[str, Any], answer: str
) -> CheckResult:
    if llm.name == "offline":
        return CheckResult(
            "judge", rubric, True, "skipped: the offline provider cannot judge", skipped=True
        )
    message = (
        f"Rubric:\n{rubric}\n\nInput:\n{json.dumps(case_input, ensure_ascii=False)}\n\n"
        f"Answer:\n{answer[:MAX_ANSWER]}"
    )
    try:
        reply = await llm.complete(JUDGE, [ChatMessage("user", message)])
    except ProviderError as exc:
        return CheckResult("judge", rubric, False, f"the judge failed: {exc}")
    passed = verdict(reply.text)
    why = " ".join(reply.text.split())[:300]
    if passed is None:
        return CheckResult("judge", rubric, False, f"no PASS or FAIL in the verdict: {why}")
    return CheckResult("judge", rubric, passed, why)
