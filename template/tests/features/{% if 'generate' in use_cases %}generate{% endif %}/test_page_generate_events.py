"""The generate tab follows its job's event stream (no polling), and copes when it breaks.

The service's model takes its time here (a second or more a job), so a page that polled
``GET /v1/jobs/{id}`` every 300 ms would show in the service's access log. The browser
reaches the service through a proxy that can cut its connections, as a network would.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime

import pytest
from selenium.webdriver.support.select import Select

from ...support.browser import PageUser, Service, chromium, start_service
from ...support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.browser

JOB = r"/v1/jobs/[^/]+"
EVENTS = r"/v1/jobs/[^/]+/events"
WORD_MS = 80  # the offline model's pace: a job of this tab's answer takes 2 s or more
# A topic that makes the answer some 40 words longer: a job that runs 5 s or more.
LONG_TOPIC = " ".join(f"tea{index}" for index in range(40))
FINISHED = 60  # seconds a job may take to show as finished on a loaded machine
# Records each text the status line shows (the test watches, the page does not).
WATCH_STATUS = """
window.statuses = [];
const status = document.getElementById('generate-status');
new MutationObserver(() => window.statuses.push(status.textContent))
  .observe(status, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture(scope="module")
def slow_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, TcpProxy]]:
    """The service with a slow model, and the proxy the browser reaches it through."""
    chromium()
    service = start_service(tmp_path_factory.mktemp("slow"), LLM_OFFLINE_DELAY_MS=str(WORD_MS))
    proxy = TcpProxy("127.0.0.1", int(service.base.rsplit(":", 1)[1]))
    proxy.start()
    direct, service.base = service.base, f"http://127.0.0.1:{proxy.port}"
    yield service, proxy
    proxy.stop()
    service.base = direct
    service.stop()


def submit_a_job(user: PageUser, topic: str = "green tea") -> int:
    """Fill in the blog outline and submit it; the service's log line count before it."""
    user.wait(lambda: len(user.all("#generate-template option")) >= 2)
    Select(user.find("#generate-template")).select_by_value("blog_outline")
    user.type("#generate-var-topic", topic)
    user.driver.execute_script(WATCH_STATUS)
    since = len(user.service.lines)
    user.find("#generate-submit").click()
    return since


def job_of(service: Service, job_id: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{service.base}/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {service.key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        job: dict[str, object] = json.load(response)
    return job


def test_the_tab_follows_the_jobs_events_without_polling(
    page_user: PageUser, slow_service: tuple[Service, TcpProxy]
) -> None:
    service, _ = slow_service
    user = PageUser(page_user.driver, service).open("generate")
    since = submit_a_job(user)
    user.wait_text("#generate-status", "Job succeeded", timeout=FINISHED)
    user.wait_text("#generate-result", "Offline reply to turn 1")
    assert not user.find("#generate-error").is_displayed()
    statuses = user.driver.execute_script("return window.statuses")
    assert statuses[-1] == "Job succeeded", statuses  # the changes shown, the last one final
    assert set(statuses) <= {"Job queued", "Job running", "Job succeeded"}, statuses
    events = user.wait(lambda: service.requests("GET", EVENTS, since))
    assert [line["status"] for line in events] == [200], events  # one stream, followed to its end
    assert service.requests("GET", JOB, since) == []  # and not one poll
    # Long enough that polling every 300 ms would have asked several times.
    job = job_of(service, str(events[0]["path"]).split("/")[3])
    started = datetime.fromisoformat(str(job["created_at"]))
    took = (datetime.fromisoformat(str(job["updated_at"])) - started).total_seconds()
    assert job["status"] == "succeeded" and took >= 1.0, job


def test_a_broken_stream_shows_its_error_and_the_job_is_read_once(
    page_user: PageUser, slow_service: tuple[Service, TcpProxy]
) -> None:
    service, proxy = slow_service
    user = PageUser(page_user.driver, service).open("generate")
    since = submit_a_job(user, LONG_TOPIC)
    stream = user.wait(lambda: service.requests("GET", EVENTS, since))  # it is open
    proxy.cut()
    shown = user.wait_text("#generate-error", "The page lost the job's event stream")
    user.wait(lambda: service.requests("GET", JOB, since))  # one look at the job itself
    status = user.find("#generate-status").text
    assert status in ("Job queued", "Job running"), status  # as that look found it
    job_path = str(stream[0]["path"]).removesuffix("/events")
    said = f"; the job is {status.split()[1]}, and {job_path} will have its result."
    assert shown.endswith(said), shown
    assert not user.find("#generate-result").is_displayed(), shown
    assert user.find("#generate-submit").is_enabled()  # the tab is usable again
    time.sleep(1.0)  # what a poll every 300 ms would have used three times
    assert len(service.requests("GET", JOB, since)) == 1
    assert len(service.requests("GET", EVENTS, since)) == 1
    user.screenshot("generate-stream-lost")
