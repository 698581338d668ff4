"""Every kind of page under the Content-Security-Policy, in Chromium: 0 violations.

The policy (config/settings.py, django-csp) allows scripts only from the site, the
page's nonce and Stripe.js; the browser reports anything it refuses through the
`securitypolicyviolation` event, which this test collects on every page.
"""

import pytest
from django.test import Client

from content import services as content_services
from content.models import Access
from discussions import services as discussion_services
from payments import services as payment_services
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.e2e

COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""


def _context_as(browser, base, user, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
        )
    context.add_init_script(COLLECT)
    request.addfinalizer(context.close)
    return context


def _violations(context, base, paths):
    found = {}
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    for path in paths:
        response = page.goto(base + path, wait_until="load")
        assert response is not None and response.status < 500, path
        assert "content-security-policy" in response.headers, path
        page.wait_for_timeout(300)  # late scripts (players, docs) start after load
        seen = page.evaluate("window.__cspViolations")
        if seen or refused:
            found[path] = [*seen, *refused]
            refused.clear()
    return found


def test_every_page_type_loads_with_no_csp_violation(
    browser, live_server, request, alice, alice_channel
):
    base = live_server.url
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
        thread.get_absolute_url(), "/accounts/login/", "/accounts/signup/", "/ask/",
        "/api/docs/", "/api/redoc/", "/no-such-page/",
    ]  # fmt: skip
    learner = [
        "/wallet/", f"/wallet/top-up/{top_up.pk}/", "/accounts/profile/",
        "/accounts/notifications/", "/questions/", f"/live/{session.pk}/",
        lesson.get_absolute_url(),
    ]  # fmt: skip
    creator = [
        "/studio/", f"/studio/channels/{channel.slug}/", f"/studio/courses/{course.slug}/",
        "/studio/content/", f"/studio/content/lesson/{lesson.pk}/", "/earnings/",
        "/studio/sessions/", f"/studio/sessions/{session.pk}/", "/studio/questions/settings/",
        "/studio/verification/",
    ]  # fmt: skip
    staff = ["/admin/", "/admin/moderation/reviewitem/", "/admin/moderation/report/"]

    found = {}
    for user, paths in [(None, public), (bob, learner), (alice.user, creator), (admin, staff)]:
        context = _context_as(browser, base, user, request)
        found.update(_violations(context, base, paths))
    assert found == {}
