"""The FastAPI dependencies a route declares: who calls, within which limits, with what.

``OwnerDep`` is the caller's owner (``API_KEYS``), what every stored row of theirs is scoped
to; ``RateLimitDep`` refuses a caller whose daily token budget is spent, counts the request
against the caller's limits and gives the key their LLM tokens are charged to;
``ServicesDep`` is the process's database, gateway and limiter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .core.auth import require_api_key
from .core.budget import within_budget
from .core.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


OwnerDep = Annotated[str, Depends(require_api_key)]
RateLimitDep = Annotated[str, Depends(within_budget)]  # the daily budget, then the rate limits
ServicesDep = Annotated[Services, Depends(get_services)]
