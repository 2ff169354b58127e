"""What the admin tasks read of the stored datasets and analyses: their age, their tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ColumnElement, exists, select, type_coerce

from ...core.retention import Retention
from ...core.usage import UsageRows
from ...jobs.models import FINAL_STATUSES, Job
from ...jobs.records import job_usage
from . import job
from .models import Dataset


def unused_since(cutoff: datetime) -> ColumnElement[bool]:
    """Datasets uploaded before ``cutoff`` that no queued or running analysis still needs.

    An analysis names its dataset in its payload: a job that ended keeps that name after the
    dataset goes (its result holds what it found); one that has yet to run keeps the dataset.
    """
    pending = select(Job.id).where(
        Job.kind == job.KIND,
        Job.status.not_in(sorted(FINAL_STATUSES)),
        type_coerce(Job.payload, JSON)["dataset_id"].as_string() == Dataset.id,
    )
    return (Dataset.created_at < cutoff) & ~exists(pending)


RETENTION = Retention(kind="datasets", key=Dataset.id, expired=unused_since)

USAGE: UsageRows = job_usage(job.KIND)
