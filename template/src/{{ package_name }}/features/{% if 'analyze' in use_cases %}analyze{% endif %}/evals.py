"""How ``admin eval`` runs an analyze case: a CSV stored as a dataset, then the job.

A case's input is ``csv`` (the text of an upload, read as ``POST /v1/datasets`` reads it)
and a ``question``; the ``analyze`` job runs in the eval process (no queue), exactly as a
worker would run it. The answer graded is the job's insights.
"""

from __future__ import annotations

import json
import uuid

from pydantic import BaseModel, ConfigDict, Field

from ...core.database import write_session
from ...core.evaluation import Outcome, UseCase
from ...llm.services import Services
from . import job
from .datasets import Limits, read
from .models import Dataset
from .settings import AnalyzeSettings

EVAL_OWNER = "evals"


class AnalyzeCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1)
    question: str = Field(min_length=1, max_length=2000)


async def run(services: Services, case: AnalyzeCase) -> Outcome:
    settings = services.config(AnalyzeSettings)
    limits = Limits(settings.dataset_max_rows, settings.dataset_max_columns)
    upload = read(case.csv.encode("utf-8"), "csv", limits)  # DatasetError: the case fails
    dataset = Dataset(
        id=str(uuid.uuid4()),
        owner=EVAL_OWNER,
        name="eval",
        columns=upload.columns,
        rows=upload.rows,
        row_count=len(upload.rows),
    )
    async with write_session(services.sessions) as session:
        session.add(dataset)
    result = await job.run(services, {"dataset_id": dataset.id, "question": case.question})
    insights = result["insights"]
    text = insights if isinstance(insights, str) else json.dumps(insights, ensure_ascii=False)
    usage = result.get("usage", {})
    return Outcome(
        text=text,
        data=None if isinstance(insights, str) else insights,
        model=result.get("model"),
        prompt_version=result.get("prompt_version"),
        input_tokens=usage.get("input_tokens"),
        output_tokens=usage.get("output_tokens"),
        requests=usage.get("requests", 1),
        cost=usage.get("cost"),  # when a price table priced the calls
    )


use_case: UseCase[Services] = UseCase("analyze", AnalyzeCase, run)
