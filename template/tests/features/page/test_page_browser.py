"""The page itself in a real browser: its tabs, its policy, and how it words errors."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from ...support.answers import use_cases
from ...support.browser import PageUser
from ...support.probes import PROBES

pytestmark = pytest.mark.browser

# The use cases this project was generated with: the page has a tab for each, no other.
USE_CASES = use_cases()
DESCRIBE = "return Page.describe(new Page.ApiError(...arguments))"
# One call of the API as the page makes it; answers "ok", or the error as the page words it.
SEND = """
const [path, body, contentType, done] = arguments;
Page.api(path, {method: "POST", body, contentType}).then(
  () => done("ok"), (error) => done(Page.describe(error)));
"""


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


def test_a_typed_key_goes_with_the_next_request_and_a_wrong_one_is_refused(
    page_user: PageUser,
) -> None:
    user = page_user
    user.driver.get(f"{user.service.base}/")
    user.wait(lambda: user.driver.execute_script("return typeof Page") == "object")
    probe = PROBES[0]
    field = user.find("#api-key")

    def type_over(text: str) -> str:
        """Type ``text`` over the field's, staying in it (no Enter, no click), then send."""
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(text or Keys.DELETE)
        assert user.driver.switch_to.active_element == field
        return str(
            user.driver.execute_async_script(
                SEND, probe.path, probe.body.decode(), probe.content_type
            )
        )

    shown = type_over("")
    assert shown.startswith("This service needs an API key: missing 'Authorization"), shown
    shown = type_over("not-a-key")
    assert shown == "The API key was refused: invalid API key. Check the key typed above.", shown
    assert type_over(user.service.key) == "ok"
    assert user.find("#key-state").text == "sent with every request from this tab"
    shown = type_over("clé")  # a header cannot carry it: said so, not "the service did not answer"
    assert shown.startswith("The API key above has characters no key has"), shown


@pytest.mark.parametrize(
    ("status", "code", "message", "retry_after", "key_sent", "shown"),
    [
        (
            401,
            "unauthorized",
            "invalid API key",
            None,
            True,
            "The API key was refused: invalid API key. Check the key typed above.",
        ),
        (
            401,
            "unauthorized",
            "missing 'Authorization: Bearer <key>' header",
            None,
            False,
            "This service needs an API key: missing 'Authorization: Bearer <key>' header. Type",
        ),
        (
            429,
            "rate_limited",
            "over 60 requests a minute",
            "7",
            True,
            "Too many requests: over 60 requests a minute. Retry after 7 s.",
        ),
        (
            429,
            "budget_exceeded",
            "the day's tokens are spent",
            "3600",
            True,
            "The token budget is used up: the day's tokens are spent. Retry after 3600 s.",
        ),
        (
            502,
            "provider_error",
            "openai timed out",
            None,
            True,
            "The model provider failed: openai timed out. Try again later.",
        ),
        (404, "not_found", "no such thing", None, True, "Error 404 (not_found): no such thing."),
    ],
)
def test_errors_are_worded_for_a_person(
    page_user: PageUser,
    status: int,
    code: str,
    message: str,
    retry_after: str | None,
    key_sent: bool,
    shown: str,
) -> None:
    user = page_user
    if not user.driver.current_url.startswith(user.service.base):
        user.driver.get(f"{user.service.base}/")
    user.wait(lambda: user.driver.execute_script("return typeof Page") == "object")
    worded = user.driver.execute_script(DESCRIBE, status, code, message, retry_after, key_sent)
    assert worded.startswith(shown), worded
