"""Data analysis: upload a dataset (CSV or JSON), then ask a question about it as a job."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ...core import body_limit
from ...core.deps import BudgetDep, OwnerDep
from ...core.errors import ApiError
from ...core.feature import Feature
from ...core.fields import Text
from ...core.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, newest_first, page
from ...core.routing import v1_router
from ...core.settings import Settings
from ...core.timestamps import Timestamp
from ...jobs.submission import ACCEPTED, JobAccepted, JobsDep, submit
from ...llm.services import Services, ServicesDep
from . import store
from .datasets import CSV_SCHEMA, FORMATS, JSON_SCHEMA, DatasetError, Limits, read
from .models import Dataset
from .settings import AnalyzeSettings

router = v1_router("analyze")


def document(
    openapi: dict[str, Any], settings: Settings, features: Sequence[Feature[Services]]
) -> None:
    """Declare this deployment's limits on JSON uploads (a CSV's cannot be declared).

    ``maxProperties`` bounds each row; ``DATASET_MAX_COLUMNS`` bounds the keys of all rows
    together, which JSON Schema cannot say.
    """
    limits = AnalyzeSettings()
    body = openapi["paths"]["/v1/datasets"]["post"]["requestBody"]["content"]
    row = {**JSON_SCHEMA["items"], "maxProperties": limits.dataset_max_columns}
    body["application/json"] = {  # new objects: the route's own are shared by every app
        "schema": {**JSON_SCHEMA, "items": row, "maxItems": limits.dataset_max_rows}
    }


class DatasetOut(BaseModel):
    dataset_id: str
    name: str
    rows: int
    columns: list[str]
    created_at: Timestamp

    @classmethod
    def of(cls, dataset: Dataset) -> DatasetOut:
        return cls(
            dataset_id=dataset.id,
            name=dataset.name,
            rows=dataset.row_count,
            columns=list(dataset.columns),
            created_at=dataset.created_at,
        )


class DatasetUploaded(DatasetOut):
    warnings: list[str] = Field(description="Columns the upload named or added, and why")


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: Text = Field(min_length=1, max_length=36)
    question: Text = Field(min_length=1, max_length=2_000)


@router.post(
    "/datasets",
    status_code=201,
    response_model=DatasetUploaded,
    responses={
        201: {
            "description": "Stored: analyze it at ``/v1/analyze``",
            "links": {
                "analyze": {
                    "operationRef": "#/paths/~1v1~1analyze/post",
                    "requestBody": {
                        "dataset_id": "$response.body#/dataset_id",
                        "question": "What stands out?",
                    },
                }
            },
        }
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": CSV_SCHEMA},
                "application/json": {"schema": JSON_SCHEMA},
            },
        }
    },
)
async def upload_dataset(
    request: Request,
    services: ServicesDep,
    owner: OwnerDep,
    name: Annotated[Text, Query(max_length=200)] = "dataset",
) -> DatasetUploaded:
    """Upload a dataset as the request body: ``text/csv`` with a header, or a JSON array.

    ``application/csv``, which some clients send, is read as ``text/csv``.

    A CSV header alone is a dataset with no rows. A header cell with no name, a repeated
    name or a line with more fields than the header gives a column a new name, reported in
    ``warnings``. At most ``DATASET_MAX_ROWS`` rows, ``DATASET_MAX_COLUMNS`` columns and
    ``DATASET_MAX_BYTES`` bytes.
    """
    settings = services.config(AnalyzeSettings)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in FORMATS:
        shown = kind or "none"
        message = f"send the dataset as text/csv or application/json (Content-Type was {shown})"
        raise ApiError(415, "unsupported_media_type", message)
    body_limit.allow(request, settings.dataset_max_bytes, "DATASET_MAX_BYTES")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
    limits = Limits(settings.dataset_max_rows, settings.dataset_max_columns)
    try:
        upload = read(bytes(body), FORMATS[kind], limits)
    except DatasetError as exc:
        raise ApiError(422, "invalid_dataset", str(exc)) from exc
    dataset = Dataset(
        id=str(uuid.uuid4()),
        owner=owner,
        name=name,
        columns=upload.columns,
        rows=upload.rows,
        row_count=len(upload.rows),
    )
    await store.add(services.sessions, dataset)
    return DatasetUploaded(**DatasetOut.of(dataset).model_dump(), warnings=upload.warnings)


async def _owned(services: Services, dataset_id: str, owner: str) -> Dataset:
    """The owner's dataset, without its rows; 404 for another owner's, as for a missing one."""
    dataset = await store.owned(services.sessions, dataset_id, owner)
    if dataset is None:
        raise ApiError(404, "not_found", f"dataset {dataset_id} not found")
    return dataset


@router.get("/datasets", response_model=Page[DatasetOut])
async def list_datasets(
    services: ServicesDep,
    owner: OwnerDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DatasetOut]:
    """The caller's datasets, newest first."""
    query = newest_first(store.of_owner(owner), Dataset.created_at, Dataset.id, cursor, limit)
    return page(await store.rows(services.sessions, query), limit, DatasetOut.of)


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown dataset_id"}}


@router.get("/datasets/{dataset_id}", response_model=DatasetOut, responses=NOT_FOUND)
async def get_dataset(dataset_id: Text, services: ServicesDep, owner: OwnerDep) -> DatasetOut:
    """A dataset's name, size and columns."""
    return DatasetOut.of(await _owned(services, dataset_id, owner))


@router.delete("/datasets/{dataset_id}", status_code=204, responses=NOT_FOUND)
async def delete_dataset(dataset_id: Text, services: ServicesDep, owner: OwnerDep) -> None:
    """Delete a dataset and its rows; analyses already done keep their results."""
    await _owned(services, dataset_id, owner)
    await store.remove(services.sessions, dataset_id, owner)


@router.post(
    "/analyze",
    status_code=202,
    response_model=JobAccepted,
    responses={**ACCEPTED, 404: {"description": "Unknown dataset_id"}},
)
async def analyze(
    body: AnalyzeRequest,
    services: ServicesDep,
    jobs: JobsDep,
    account: BudgetDep,
    owner: OwnerDep,
) -> JobAccepted:
    """Queue an analysis of one of the caller's datasets; follow it at ``/v1/jobs/{job_id}``."""
    await _owned(services, body.dataset_id, owner)
    payload = {"dataset_id": body.dataset_id, "question": body.question, "account": account}
    return JobAccepted(job_id=await submit(services, jobs, "analyze", payload, owner))
