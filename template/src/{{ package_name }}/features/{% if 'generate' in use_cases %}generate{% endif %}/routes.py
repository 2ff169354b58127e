"""Content generation: list the templates, and submit a generation job (one item or a batch).

The request body is one model per template, told apart by ``template``, built when this
module is imported from each template's declared variables: the required ones, and the
optional ones with their defaults. So the OpenAPI document names every template and its
variables, and a request that misses a variable, names an unknown one or an unknown
template does not match the schema (422).
"""

from __future__ import annotations

import functools
import operator
import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from ...core.deps import BudgetDep, OwnerDep
from ...core.fields import Text, one_of
from ...core.routing import v1_router
from ...jobs.submission import ACCEPTED, JobAccepted, JobsDep, submit
from ...llm.services import ServicesDep
from .templates import MAX_VALUE_LENGTH, Template, templates

router = v1_router("generate")
MAX_BATCH = 100


class TemplateVariables(BaseModel):
    """A template's variables: each template's own model adds them, by name."""

    model_config = ConfigDict(extra="forbid")


class GenerateRequest(BaseModel):
    """What each template's request model has; type checkers see this one."""

    model_config = ConfigDict(
        extra="forbid",
        # Exactly one of the two, as the validator below says.
        json_schema_extra={
            "oneOf": [
                {"properties": {"variables": {"type": "object"}}, "required": ["variables"]},
                {"properties": {"items": {"type": "array"}}, "required": ["items"]},
            ]
        },
    )

    template: str
    variables: TemplateVariables | None = None
    items: list[TemplateVariables] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_of(self) -> GenerateRequest:
        if (self.variables is None) == (self.items is None):
            raise ValueError("give either 'variables' (one item) or 'items' (a batch)")
        return self

    def values(self) -> list[dict[str, str]]:
        """The variables given, item by item (defaults are filled in when rendering)."""
        given = self.items if self.items is not None else [self.variables]
        return [item.model_dump(by_alias=True, exclude_unset=True) for item in given if item]


def _model_name(template: Template) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", template.name))


def request_model(template: Template) -> Any:
    """The request model of one template."""
    fields: dict[str, Any] = {}
    for index, name in enumerate((*template.required, *template.defaults)):
        default = template.defaults.get(name, ...)  # ... : required
        # Aliased: a variable may be named like a pydantic attribute (``copy``, ``_x``).
        field = Field(default, alias=name, max_length=MAX_VALUE_LENGTH)
        fields[f"variable_{index}"] = (Text, field)
    variables: Any = create_model(
        f"{_model_name(template)}Variables",
        __base__=TemplateVariables,
        __doc__=f"The variables of the template {template.name}",
        **fields,
    )
    return create_model(
        f"Generate{_model_name(template)}",
        __base__=GenerateRequest,
        __doc__=f"{template.description} (template {template.prompt.version_tag})",
        template=(one_of([template.name]), ...),
        variables=(variables | None, None),
        items=(list[variables] | None, Field(None, min_length=1, max_length=MAX_BATCH)),
    )


if TYPE_CHECKING:
    GenerateBody = GenerateRequest
    TemplateName = str
else:
    _models = [request_model(template) for template in templates().values()]
    GenerateBody = functools.reduce(operator.or_, _models)
    if len(_models) > 1:
        GenerateBody = Annotated[GenerateBody, Field(discriminator="template")]
    TemplateName = one_of(templates())


class TemplateOut(BaseModel):
    name: TemplateName
    version: str
    description: str
    variables: list[str]
    defaults: dict[str, str]
    output_schema: dict[str, Any] | None = Field(
        None, description="The JSON schema of the result's `data`, for a template that has one"
    )


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
            output_schema=t.schema.model_json_schema() if t.schema else None,
        )
        for t in templates().values()
    ]


@router.post("/generate", status_code=202, response_model=JobAccepted, responses=ACCEPTED)
async def generate(
    body: GenerateBody,
    services: ServicesDep,
    jobs: JobsDep,
    account: BudgetDep,
    owner: OwnerDep,
) -> JobAccepted:
    """Queue a generation; follow it at ``/v1/jobs/{job_id}``."""
    template = templates()[body.template]
    payload = {
        "template": template.name,
        "version": template.version,
        "items": body.values(),
        "batch": body.items is not None,
        "account": account,  # the job's LLM tokens count against the caller's TPM limit
    }
    return JobAccepted(job_id=await submit(services, jobs, "generate", payload, owner))
