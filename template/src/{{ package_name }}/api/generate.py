"""Content generation: list the templates, and submit a generation job (one item or a batch)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..auth import require_api_key
from ..errors import ApiError
from ..generate import templates
from ..rate_limit import RateLimitDep, enforce
from ..services import ServicesDep
from .jobs import JobAccepted, JobsDep, submit

router = APIRouter(
    prefix="/v1", tags=["generate"], dependencies=[Depends(require_api_key), Depends(enforce)]
)
MAX_BATCH = 100


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str
    variables: dict[str, str] | None = None
    items: list[dict[str, str]] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_of(self) -> GenerateRequest:
        if (self.variables is None) == (self.items is None):
            raise ValueError("give either 'variables' (one item) or 'items' (a batch)")
        return self


class TemplateOut(BaseModel):
    name: str
    version: str
    description: str
    variables: list[str]
    defaults: dict[str, str]


@router.get("/generate/templates", response_model=list[TemplateOut])
async def list_templates() -> list[TemplateOut]:
    """The templates, their versions and their variables."""
    return [
        TemplateOut(
            name=t.name,
            version=t.version,
            description=t.description,
            variables=[*t.required, *t.defaults],
            defaults=t.defaults,
        )
        for t in templates().values()
    ]


@router.post("/generate", status_code=202, response_model=JobAccepted)
async def generate(
    body: GenerateRequest, services: ServicesDep, jobs: JobsDep, who: RateLimitDep
) -> JobAccepted:
    """Queue a generation; follow it at ``/v1/jobs/{job_id}``."""
    template = templates().get(body.template)
    if template is None:
        known = ", ".join(sorted(templates()))
        raise ApiError(
            422, "invalid_request", f"unknown template {body.template!r}; known: {known}"
        )
    items = body.items if body.items is not None else [body.variables or {}]
    for index, values in enumerate(items):
        try:
            template.render(values)
        except ValueError as exc:
            where = f"items[{index}]: " if body.items is not None else ""
            raise ApiError(422, "invalid_request", f"{where}{exc}") from exc
    payload = {
        "template": template.name,
        "version": template.version,
        "items": items,
        "batch": body.items is not None,
        "rate_identity": who,  # the job's LLM tokens count against the caller's TPM limit
    }
    return JobAccepted(job_id=await submit(services, jobs, "generate", payload))
