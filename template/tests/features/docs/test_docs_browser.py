"""The API reference pages in a real browser: they render, under their policy, from the service."""

from __future__ import annotations

import pytest

from ...support.browser import PageUser

pytestmark = pytest.mark.browser

# ReDoc's sidebar shows Redocly's logo from their CDN: the page's policy refuses it (the image
# then hides itself). It is the one request for elsewhere, refused, and it is named here.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
RESOURCES = "return performance.getEntriesByType('resource').map((entry) => entry.name)"


@pytest.mark.parametrize(
    ("path", "operation", "elsewhere"),
    [("/docs", ".opblock", []), ("/redoc", "[data-section-id^='operation/']", [REDOCLY_LOGO])],
)
def test_the_reference_pages_render_from_the_service_alone(
    page_user: PageUser, path: str, operation: str, elsewhere: list[str]
) -> None:
    user, base = page_user, page_user.service.base
    user.policy_violations()  # what earlier pages left in the log
    user.driver.get(base + path)
    user.wait(lambda: len(user.all(operation)) >= 3)  # the document was read and shown
    asked = user.driver.execute_script(RESOURCES)
    assert f"{base}/openapi.json" in asked
    assert [url for url in asked if not url.startswith(f"{base}/")] == elsewhere
    refused = user.policy_violations()
    assert len(refused) == len(elsewhere), refused
    assert all(url in line for url, line in zip(elsewhere, refused, strict=True)), refused
    user.screenshot(f"reference{path.replace('/', '-')}")
