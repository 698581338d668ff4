"""Browser-test harness: headless Debian Chromium driven by Playwright's sync API.

Tests get a `page` (a fresh browser context each) and a `screenshot(page, name)` helper
that saves full-page PNGs under test-output/screenshots/. The site is served by
pytest-django's `live_server`; e-mails land in `django.core.mail.outbox`, which the live
server thread shares with the test.

Playwright's own browser download does not work here, so the system Chromium is
required: the run fails (never skips) when it is missing.
"""

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests import asgi_servers
from tests.asgi_servers import uvicorn_server
from tests.factories import LiveSessionFactory, UserFactory

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
# Assertions wait as long as actions do. Playwright's own 5 s was too short for a
# frame's round trip (browser -> uvicorn -> PostgreSQL -> Redis -> three browsers)
# on a two-core machine that is also running the test process and three Chromiums:
# a clean CI run once failed there with the chat line arriving late.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
static_root = asgi_servers.static_root  # a fixture (live_room serves the collected files)
SCREENSHOT_DIR = PROJECT_ROOT / "test-output" / "screenshots"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so `page` can tell that a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def browser(live_server, chromium):
    """Chromium, with the site served by pytest-django's live server (WSGI)."""
    return chromium


@pytest.fixture
def chromium(transactional_db, monkeypatch):
    """Chromium under a Playwright started for this test only.

    Pages come from `live_server` (the `browser` fixture) or, where a test needs
    WebSockets, from a real ASGI server the test starts itself.

    Not session-scoped on purpose: while Playwright's sync API runs, the test thread
    has a running event loop, so asgiref hands Django a separate set of database
    connections and `async_to_sync` refuses to run. Starting it after the database
    fixtures and stopping it before they tear down keeps the rest of the suite
    unaffected; a launch costs well under a second.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium).",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # ORM calls made in the test (factories, checks) run beside Playwright's event loop.
    # Set here rather than at import so that the variable does not leak into the rest
    # of the suite (subprocesses such as `manage.py check --deploy` inherit os.environ).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
            # Connections opened beside the event loop belong to it: close them here.
            connections.close_all()


def screenshot_path(name: str) -> Path:
    return SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"


def save_screenshot(page, name: str) -> Path:
    """Save a full-page PNG of `page` as test-output/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = screenshot_path(name)
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
    failure_shot = f"FAILED-{request.node.name}"
    screenshot_path(failure_shot).unlink(missing_ok=True)  # left by an earlier run
    yield page
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        # The page as it was when the test failed, next to the journey's screenshots.
        # A page that cannot be captured must not hide the real failure.
        with contextlib.suppress(Exception):
            save_screenshot(page, failure_shot)
    context.close()


@pytest.fixture
def page_types(live_server, alice, alice_channel):
    """One page of every kind, as (user, paths) pairs: a visitor's (None), learner bob's,
    creator alice's and staff's. The CSP and phone-layout tests visit them all."""
    from content import services as content_services
    from content.models import Access
    from discussions import services as discussion_services
    from payments import services as payment_services
    from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

    channel = alice_channel
    course = CourseFactory(channel=channel, slug="csp-course")
    lesson = content_services.lesson_create(
        user=alice.user, course=course, title="CSP lesson", body="Hello **world**",
        access=Access.FREE,
    )  # fmt: skip
    content_services.item_publish(user=alice.user, item=lesson)
    article = content_services.article_create(
        user=alice.user, channel=channel, title="CSP article", body="Text", access=Access.FREE
    )
    content_services.item_publish(user=alice.user, item=article)
    session = LiveSessionFactory(channel=channel)
    bob = UserFactory(email="csp-bob@example.com")
    payment_services.wallet_top_up_credit(
        user=bob, amount=5000, currency="CNY", payment_intent_id="p"
    )
    top_up = payment_services.top_up_start(user=bob, amount=1000, currency="CNY")
    thread = discussion_services.thread_create(
        author=bob, target=session, title="A thread", body="Hello there everyone"
    )
    admin = UserFactory(email="csp-admin@example.com", is_staff=True, is_superuser=True)
    lesson.refresh_from_db()
    article.refresh_from_db()

    public = [
        "/", "/catalogue/", channel.get_absolute_url(), course.get_absolute_url(),
        lesson.get_absolute_url(), article.get_absolute_url(), f"/live/{session.pk}/",
        thread.get_absolute_url(), alice.get_absolute_url(), "/accounts/login/",
        "/accounts/signup/", "/ask/", "/api/docs/", "/api/redoc/", "/no-such-page/",
    ]  # fmt: skip
    learner = [
        "/wallet/", f"/wallet/top-up/{top_up.pk}/", "/accounts/profile/",
        "/accounts/notifications/", "/questions/", f"/live/{session.pk}/",
        lesson.get_absolute_url(), "/learning/", "/receipts/",
    ]  # fmt: skip
    creator = [
        "/studio/", f"/studio/channels/{channel.slug}/", f"/studio/courses/{course.slug}/",
        "/studio/content/", f"/studio/content/lesson/{lesson.pk}/", "/earnings/",
        "/studio/sessions/", f"/studio/sessions/{session.pk}/", "/studio/questions/settings/",
        "/studio/verification/", f"/studio/channels/{channel.slug}/cover/",
        f"/live/{session.pk}/",
    ]  # fmt: skip
    staff = ["/admin/", "/admin/moderation/reviewitem/", "/admin/moderation/report/"]
    return [(None, public), (bob, learner), (alice.user, creator), (admin, staff)]


def context_signed_in(browser, base: str, request, user=None, **options):
    """A browser context (1280 x 900 unless `options` say otherwise), signed in as
    `user` through a session cookie when one is given; closed when the test ends."""
    options = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US", **options}
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    if user is not None:
        from django.test import Client

        client = Client()
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
        )
    request.addfinalizer(context.close)
    return context


@dataclass
class LiveRoom:
    """A session on Alice's channel with two learners, Bob and Dora, served by a
    running uvicorn (the room ticks every 0.5 s)."""

    session: Any
    bob: Any
    dora: Any
    base: str
    path: str
    open_page: Callable[[Any], Any]

    def page(self, user=None):
        """A page in a browser context of its own, signed in as `user` (None: no login)."""
        return self.open_page(user)


@pytest.fixture
def live_room(chromium, static_root, alice_channel, request):
    """`with live_room("Title") as room:` the room's session, learners, server and pages."""

    @contextlib.contextmanager
    def open_room(title: str) -> Iterator[LiveRoom]:
        session = LiveSessionFactory(channel=alice_channel, title=title)
        bob = UserFactory(email="bob@example.com", display_name="Bob")
        dora = UserFactory(email="dora@example.com", display_name="Dora")
        with uvicorn_server(static_root, env_extra={"LIVESTREAM_TICK_SECONDS": "0.5"}) as port:
            base = f"http://127.0.0.1:{port}"
            yield LiveRoom(
                session=session,
                bob=bob,
                dora=dora,
                base=base,
                path=f"/live/{session.pk}/",
                open_page=lambda user: context_signed_in(chromium, base, request, user).new_page(),
            )

    return open_room
