"""The analyze tab in a real browser: upload a CSV, ask, see the profile and the insights."""

from __future__ import annotations

from pathlib import Path

import pytest

from ...support.browser import PageUser

pytestmark = pytest.mark.browser
CSV = "city,temperature,rainy\nOslo,4,true\nLisbon,19,false\nOslo,6,true\n"


def test_analyze_uploads_a_csv_and_shows_profile_and_insights(
    page_user: PageUser, tmp_path: Path
) -> None:
    upload = tmp_path / "weather.csv"
    upload.write_text(CSV)
    user = page_user.open("analyze")
    assert not user.find("#analyze-ask").is_enabled()  # nothing to ask about yet
    user.find("#analyze-file").send_keys(str(upload))
    user.find("#analyze-upload").click()
    shown = user.wait_text("#analyze-uploaded", "3 rows")
    assert "weather.csv" in shown and "city, temperature, rainy" in shown
    user.type("#analyze-question", "Where is it warmest?")
    since = len(user.service.lines)
    user.find("#analyze-ask").click()
    user.wait_text("#analyze-status", "Job succeeded")
    # The tab followed the job's event stream, and never polled the job.
    events = user.wait(lambda: user.service.requests("GET", r"/v1/jobs/[^/]+/events", since))
    assert [line["status"] for line in events] == [200], events
    assert user.service.requests("GET", r"/v1/jobs/[^/]+", since) == []
    table = user.wait_text("#analyze-profile-table", "temperature")
    assert "integer" in table and "Oslo (2)" in table
    insights = user.wait_text("#analyze-insights", "Offline answer for")  # {answer, findings}
    assert "Where is it warmest?" in insights
    user.screenshot("analyze")
    assert user.policy_violations() == []


def test_analyze_shows_a_wrong_key_as_refused(page_user: PageUser, tmp_path: Path) -> None:
    upload = tmp_path / "weather.csv"
    upload.write_text(CSV)
    user = page_user.open("analyze", key="not-a-key")
    user.find("#analyze-file").send_keys(str(upload))
    user.find("#analyze-upload").click()
    shown = user.wait_text("#analyze-error", "The API key was refused")
    assert "invalid API key" in shown
