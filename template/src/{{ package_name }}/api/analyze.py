"""Data analysis: upload a dataset (CSV or JSON), then ask a question about it as a job."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ..auth import require_api_key
from ..datasets import DatasetError, parse
from ..errors import ApiError
from ..models.datasets import Dataset
from ..rate_limit import RateLimitDep, enforce
from ..services import ServicesDep
from .jobs import JobAccepted, JobsDep, submit

router = APIRouter(
    prefix="/v1", tags=["analyze"], dependencies=[Depends(require_api_key), Depends(enforce)]
)


class DatasetOut(BaseModel):
    dataset_id: str
    rows: int
    columns: list[str]


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(min_length=1, max_length=36)
    question: str = Field(min_length=1, max_length=2_000)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"the dataset is over DATASET_MAX_BYTES ({limit} bytes)")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(
                413, "too_large", f"the dataset is over DATASET_MAX_BYTES ({limit} bytes)"
            )
    return bytes(body)


@router.post(
    "/datasets",
    status_code=201,
    response_model=DatasetOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {}, "application/json": {}},
        }
    },
)
async def upload_dataset(
    request: Request,
    services: ServicesDep,
    name: str = Query(default="dataset", max_length=200),
) -> DatasetOut:
    """Upload a dataset as the request body: ``text/csv`` with a header, or a JSON array."""
    body = await _read_limited(request, services.settings.dataset_max_bytes)
    try:
        columns, rows = parse(body, request.headers.get("content-type", ""))
    except DatasetError as exc:
        raise ApiError(422, "invalid_dataset", str(exc)) from exc
    dataset_id = str(uuid.uuid4())
    async with services.sessions() as session:
        session.add(
            Dataset(id=dataset_id, name=name, columns=columns, rows=rows, row_count=len(rows))
        )
        await session.commit()
    return DatasetOut(dataset_id=dataset_id, rows=len(rows), columns=columns)


@router.post("/analyze", status_code=202, response_model=JobAccepted)
async def analyze(
    body: AnalyzeRequest, services: ServicesDep, jobs: JobsDep, who: RateLimitDep
) -> JobAccepted:
    """Queue an analysis of a dataset; follow it at ``/v1/jobs/{job_id}``."""
    async with services.sessions() as session:
        if await session.get(Dataset, body.dataset_id) is None:
            raise ApiError(404, "not_found", f"dataset {body.dataset_id} not found")
    payload = {"dataset_id": body.dataset_id, "question": body.question, "rate_identity": who}
    return JobAccepted(job_id=await submit(services, jobs, "analyze", payload))
