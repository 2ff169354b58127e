"""What the admin tasks read of the stored jobs: their age, and the tokens they used.

A job's ``updated_at`` is when it last changed: for a final job, when it ended. A job that
calls the LLM stores its tokens in its result as ``model`` and ``usage`` (``input_tokens``,
``output_tokens``, ``requests``: its number of calls; ``cost`` and ``currency``, and
``unpriced``: its calls without a price), which ``job_usage`` reads. A job stored before
costs were has none: all its calls count as unpriced.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ColumnElement, func, type_coerce

from ..core.retention import Retention
from ..core.usage import UsageRows, usage_rows
from .models import FINAL_STATUSES, Job, JobStatus


def ended_before(cutoff: datetime) -> ColumnElement[bool]:
    """Jobs that ended (succeeded, failed or were cancelled) before ``cutoff``; never a
    queued or running one, however old."""
    return Job.status.in_(sorted(FINAL_STATUSES)) & (Job.updated_at < cutoff)


RETENTION = Retention(kind="jobs", key=Job.id, expired=ended_before)


def job_usage(kind: str) -> UsageRows:
    """One row per succeeded job of ``kind``, from its result's ``model`` and ``usage``."""
    result = type_coerce(Job.result, JSON)
    return usage_rows(
        at=Job.updated_at,
        owner=Job.owner,
        model=result["model"].as_string(),
        input_tokens=result[("usage", "input_tokens")].as_integer(),
        output_tokens=result[("usage", "output_tokens")].as_integer(),
        requests=func.coalesce(result[("usage", "requests")].as_integer(), 1),
        cost=result[("usage", "cost")].as_float(),
        currency=result[("usage", "currency")].as_string(),
        unpriced=func.coalesce(
            result[("usage", "unpriced")].as_integer(),
            result[("usage", "requests")].as_integer(),
            1,
        ),
    ).where(Job.kind == kind, Job.status == JobStatus.SUCCEEDED)
