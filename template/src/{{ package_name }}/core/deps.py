"""The FastAPI dependencies of ``/v1`` routes: who calls, and within which limits.

- ``OwnerDep``: the caller's owner (``API_KEYS``), what every stored row of theirs is scoped
  to (``auth.py``).
- ``AccountDep``: the account the caller's usage is counted against: ``owner:<name>`` when
  keys are in use (a key's rotation shares its limits), else ``ip:<address>``.
- ``RateLimitDep``: counts the request against its account's ``RATE_LIMIT_RPM`` and
  ``RATE_LIMIT_TPM`` (429 past them). Every ``/v1`` router runs it (``routing.py``).
- ``BudgetDep``: refuses an account whose daily token budget is spent or held by its calls
  under way (429); it gives the account, for a route that calls the model to charge.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .auth import require_api_key
from .budget import TokenBudget
from .rate_limit import RateLimiter

OwnerDep = Annotated[str, Depends(require_api_key)]


def account(request: Request, owner: OwnerDep) -> str:
    """The account a caller's usage is counted against."""
    if request.app.state.api_keys:
        return f"owner:{owner}"
    return "ip:" + (request.client.host if request.client else "unknown")


AccountDep = Annotated[str, Depends(account)]


async def rate_limit(request: Request, account: AccountDep) -> None:
    """Count the request against its account's limits (429 past them)."""
    limiter: RateLimiter = request.app.state.services.limiter
    if limiter.enabled:
        await limiter.hit(account)


async def within_budget(request: Request, account: AccountDep) -> str:
    """Refuse an account whose budget is spent or held by calls under way (429)."""
    budget: TokenBudget = request.app.state.services.budget
    await budget.check(account)
    return account


RateLimitDep = Annotated[None, Depends(rate_limit)]
BudgetDep = Annotated[str, Depends(within_budget)]
