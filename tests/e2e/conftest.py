"""Browser-test harness: headless Debian Chromium driven by Playwright's sync API.

Tests get a `page` (a fresh browser context each) and a `screenshot(page, name)` helper
that saves full-page PNGs under test-output/screenshots/. The site is served by
pytest-django's `live_server`; e-mails land in `django.core.mail.outbox`, which the live
server thread shares with the test.

Playwright's own browser download does not work here, so the system Chromium is
required: the run fails (never skips) when it is missing.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise
# refuse ORM calls made from it (factories, assertions on the database).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "test-output" / "screenshots"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so `page` can tell that a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def save_screenshot(page, name: str) -> Path:
    """Save a full-page PNG of `page` as test-output/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.wait_for_load_state("load")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")` saves test-output/screenshots/name.png."""
    return save_screenshot


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        # The page as it was when the test failed, next to the journey's screenshots.
        # A page that cannot be captured must not hide the real failure.
        with contextlib.suppress(Exception):
            save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()
