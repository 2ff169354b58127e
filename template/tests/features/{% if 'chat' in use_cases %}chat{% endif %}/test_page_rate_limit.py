"""The chat tab over its rate limit: a 429 shown with when to retry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ...support.browser import PageUser, Service, chromium, start_service

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def limited_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One request a minute per key: the page's first call takes it."""
    chromium()
    service = start_service(tmp_path_factory.mktemp("limited"), RATE_LIMIT_RPM="1")
    yield service
    service.stop()


def test_chat_shows_the_rate_limit_and_when_to_retry(
    page_user: PageUser, limited_service: Service
) -> None:
    user = PageUser(page_user.driver, limited_service).open("chat")
    user.type("#chat-message", "hello")
    user.find("#chat-send").click()
    # The send, or the history read after it, is over the limit (whichever a minute's turn
    # let through): either way the page says so, and when to retry.
    shown = user.wait_text("#chat-error", "Too many requests")
    assert "Retry after" in shown and " s." in shown
    user.screenshot("error-429")
