"""The generate tab in a real browser: pick a template, fill it in, watch the job, read it."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.select import Select

from ...support.browser import PageUser

pytestmark = pytest.mark.browser


def test_generate_runs_a_job_to_its_result(page_user: PageUser) -> None:
    user = page_user.open("generate")
    user.wait(lambda: len(user.all("#generate-template option")) >= 2)
    Select(user.find("#generate-template")).select_by_value("product_description")
    user.wait_text("#generate-about", "product description")
    # The form is built from the template's declared variables, its default filled in.
    names = [field.get_attribute("data-variable") for field in user.all("#generate-fields input")]
    assert names == ["product", "audience", "tone"]
    assert user.find("#generate-var-tone").get_attribute("value") == "friendly"
    user.find("#generate-submit").click()
    user.wait_text("#generate-error", "Fill in: product, audience")  # nothing sent yet
    user.type("#generate-var-product", "a rain jacket")
    user.type("#generate-var-audience", "hikers")
    user.find("#generate-submit").click()
    user.wait_text("#generate-status", "Job succeeded")
    result = user.wait_text("#generate-result", "Offline description for")  # its JSON data
    assert "a rain jacket" in result and "hikers" in result
    assert "offline-echo" in user.find("#generate-details").text
    assert not user.find("#generate-error").is_displayed()
    user.screenshot("generate")
    assert user.policy_violations() == []


def test_generate_shows_a_wrong_key_as_refused(page_user: PageUser) -> None:
    user = page_user.open("generate", key="not-a-key")
    shown = user.wait_text("#generate-error", "The API key was refused")
    assert "invalid API key" in shown
