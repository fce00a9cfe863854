"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

- Chromium is ``/usr/bin/chromium`` (``GQLAUTH_CHROMIUM`` overrides). When it or the playwright
  package is missing the tests skip with the reason, except under ``CI=true``, where they fail.
- Every page's requests are recorded; ``request_log.foreign()`` lists those that left the server.
- A failed test saves a full-page screenshot under ``artifacts/`` and prints its path.
- With ``GQLAUTH_SCREENSHOTS=docs/screenshots`` the tests also write the README's screenshots.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("GQLAUTH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Quiet, reproducible Chromium: no GPU, no sandbox (root in CI), no background traffic of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    message = f"browser tests need {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: not skipping)", pytrace=False)
    print(f"SKIPPING browser tests: {message}")
    pytest.skip(reason=message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    # Keep each phase's report on the item so fixtures can tell at teardown whether the test failed.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module (the async-unsafe switch lives as long)."""
    if shutil.which(CHROMIUM) is None:
        _unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium, or set GQLAUTH_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package (pip install -e '.[test]')")
    # Playwright's sync API runs an asyncio loop in this thread; Django's ORM (used by fixtures
    # and assertions here) refuses to run beside one unless told that this is deliberate.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class RequestLog:
    """Every URL the page requested, and the live server's origin to compare them with."""

    origin: str
    urls: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        """Requests to anything but the live server (data: URIs fetch nothing and are allowed)."""
        return [
            url for url in self.urls if not url.startswith("data:") and _origin(url) != self.origin
        ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def request_log(live_server: Any) -> RequestLog:
    return RequestLog(origin=_origin(live_server.url))


@pytest.fixture
def issuer(settings: Any, live_server: Any) -> str:
    """The live server is the issuer, as ``OAUTH2_PROVIDER["ISSUER"]`` says in production."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": live_server.url}
    return str(live_server.url)


@pytest.fixture
def page(
    chromium: Any, live_server: Any, transactional_db: Any, request_log: RequestLog, request: Any
) -> Iterator[Any]:
    """A fresh browser context and page; screenshots on failure, request log checked in tests."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("request", lambda r: request_log.urls.append(r.url))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        path = ARTIFACTS / f"{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"\nbrowser test failed: screenshot saved to {path}")
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"\nbrowser test failed; no screenshot ({error})")
    context.close()


@pytest.fixture
def docs_screenshot() -> Any:
    """``docs_screenshot(page, name)``: a README screenshot, when GQLAUTH_SCREENSHOTS is set."""
    target = os.environ.get("GQLAUTH_SCREENSHOTS")

    def take(page: Any, name: str, **options: Any) -> None:
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(target) / f"{name}.png"), **options)

    return take
