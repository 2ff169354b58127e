"""Headless Chromium driving the try-it page of a service run as a real process.

The tests that use it are marked ``browser``. Without Chromium and its driver they skip,
unless ``REQUIRE_BROWSER=1`` (CI), where they fail. ``PAGE_SCREENSHOTS=<folder>`` makes
them save what the page shows there, as PNG files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pytest

from .running import migrated_sqlite, start_server

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WAIT_S = 20


def chromium() -> tuple[str, str]:
    """Chromium's binary and its driver: CHROME_BINARY / CHROMEDRIVER, or found on PATH."""
    binary = os.environ.get("CHROME_BINARY") or next(
        filter(None, map(shutil.which, BINARIES)), None
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if binary and driver:
        return binary, driver
    message = (
        "the browser tests need Chromium and its driver "
        "(Debian: apt-get install chromium chromium-driver)"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}; REQUIRE_BROWSER=1 makes this a failure")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the session's browser tests."""
    binary, driver = chromium()
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1100,860",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))
    yield chrome
    chrome.quit()


class Service:
    """The service as a process: its base URL, the API key it accepts, and its log lines."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.key = f"page-{uuid.uuid4().hex}"
        full = {**env, "API_KEYS": f"tester:{self.key}", "APP_ENV": "development"}
        self.process, self.base = start_server({**full, "PAGE_ENABLED": "true"}, cwd)
        self.lines: list[dict[str, Any]] = []  # its JSON log lines, as they come
        self.errors: list[str] = []  # anything on its standard error
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, False), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, True), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str] | None, errors: bool) -> None:
        assert stream is not None
        for line in stream:
            if errors or not line.startswith("{"):
                self.errors.append(line)
            else:
                self.lines.append(json.loads(line))

    def requests(self, method: str, path: str, since: int = 0) -> list[dict[str, Any]]:
        """The access log lines whose path matches ``path`` (a regex), from line ``since`` on.

        A request's line is logged as its answer starts (a stream's too, as it opens).
        """
        return [
            line
            for line in self.lines[since:]
            if line.get("event") == "http.access"
            and line.get("method") == method
            and re.fullmatch(path, str(line.get("path")))
        ]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(timeout=5)


def start_service(tmp: Path, **env: str) -> Service:
    """A service on a new migrated SQLite file, offline unless ``env`` says otherwise."""
    return Service({**migrated_sqlite(tmp), "LLM_OFFLINE_DELAY_MS": "5", **env}, tmp)


@pytest.fixture(scope="session")
def page_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service the browser tests share (jobs run in its process: no Redis)."""
    chromium()  # skip (or fail) before starting anything
    service = start_service(tmp_path_factory.mktemp("page"))
    yield service
    service.stop()


class PageUser:
    """A person at the page: types, clicks, waits for what shows."""

    def __init__(self, driver: WebDriver, service: Service) -> None:
        self.driver = driver
        self.service = service

    def open(self, tab: str, key: str | None = None) -> PageUser:
        """Load the page, type the key (the service's own unless given), open ``tab``.

        Typing is all: there is no button to press for the key to be used.
        """
        self.driver.get(f"{self.service.base}/")
        self.type("#api-key", self.service.key if key is None else key)
        self.wait(lambda: self.find(f"#tab-{tab}").text != tab)  # its script registered it
        self.find(f"#tab-{tab}").click()
        self.wait(lambda: self.find(f"#panel-{tab}").is_displayed())
        return self

    def find(self, css: str) -> WebElement:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition: Callable[[], Any], timeout: float = WAIT_S) -> Any:
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.wait import WebDriverWait

        ignored = (NoSuchElementException, StaleElementReferenceException)
        waiting = WebDriverWait(
            self.driver, timeout, poll_frequency=0.05, ignored_exceptions=ignored
        )
        return waiting.until(lambda _: condition())

    def wait_text(self, css: str, contains: str, timeout: float = WAIT_S) -> str:
        """The text of ``css`` once it contains ``contains``; fails with what it showed."""
        try:
            return str(self.wait(lambda: contains in self.find(css).text and self.find(css).text))
        except Exception as exc:
            shown = [element.text for element in self.all(css)]
            raise AssertionError(f"{css} never showed {contains!r}: {shown}") from exc

    def type(self, css: str, text: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(text)

    def policy_violations(self) -> list[str]:
        """What the browser refused under the page's Content-Security-Policy."""
        logs = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return [entry["message"] for entry in logs if "Content Security Policy" in entry["message"]]

    def screenshot(self, name: str) -> None:
        folder = os.environ.get("PAGE_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            size = self.driver.get_window_size()
            height = self.driver.execute_script("return document.body.scrollHeight")
            self.driver.set_window_size(size["width"], max(int(height) + 140, size["height"]))
            self.driver.save_screenshot(str(Path(folder) / f"{name}.png"))  # the whole page
            self.driver.set_window_size(size["width"], size["height"])


@pytest.fixture
def page_user(browser: WebDriver, page_service: Service) -> PageUser:
    return PageUser(browser, page_service)
