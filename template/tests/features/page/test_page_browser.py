"""The page itself in a real browser: its tabs, its policy, and how it words errors."""

from __future__ import annotations

import pytest

from ...support.answers import use_cases
from ...support.browser import PageUser

pytestmark = pytest.mark.browser

# The use cases this project was generated with: the page has a tab for each, no other.
USE_CASES = use_cases()
DESCRIBE = "return Page.describe(new Page.ApiError(...arguments))"


def test_the_page_shows_a_tab_per_use_case_and_breaks_no_policy(page_user: PageUser) -> None:
    user = page_user
    user.driver.get(f"{user.service.base}/")
    user.wait(lambda: len(user.all("#tabs button")) == len(USE_CASES))
    assert sorted(tab.get_attribute("id") for tab in user.all("#tabs button")) == sorted(
        f"tab-{name}" for name in USE_CASES
    )
    user.wait(
        lambda: all(tab.text != tab.get_attribute("id")[4:] for tab in user.all("#tabs button"))
    )
    assert len([panel for panel in user.all("#panels section") if panel.is_displayed()]) == 1
    assert user.policy_violations() == []


@pytest.mark.parametrize(
    ("status", "code", "message", "retry_after", "shown"),
    [
        (401, "unauthorized", "invalid API key", None, "Not authorized: invalid API key. Type"),
        (
            429,
            "rate_limited",
            "over 60 requests a minute",
            "7",
            "Too many requests: over 60 requests a minute. Retry after 7 s.",
        ),
        (
            429,
            "budget_exceeded",
            "the day's tokens are spent",
            "3600",
            "The token budget is used up: the day's tokens are spent. Retry after 3600 s.",
        ),
        (
            502,
            "provider_error",
            "openai timed out",
            None,
            "The model provider failed: openai timed out. Try again later.",
        ),
        (404, "not_found", "no such thing", None, "Error 404 (not_found): no such thing."),
    ],
)
def test_errors_are_worded_for_a_person(
    page_user: PageUser,
    status: int,
    code: str,
    message: str,
    retry_after: str | None,
    shown: str,
) -> None:
    user = page_user
    if not user.driver.current_url.startswith(user.service.base):
        user.driver.get(f"{user.service.base}/")
    user.wait(lambda: user.driver.execute_script("return typeof Page") == "object")
    worded = user.driver.execute_script(DESCRIBE, status, code, message, retry_after)
    assert worded.startswith(shown), worded
