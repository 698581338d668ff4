"""A course discussion in a real browser: a learner asks, the creator answers and pins,
the learner sees the notification badge and likes the answer."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, ChannelFactory, CourseFactory, CreatorFactory, UserFactory

pytestmark = pytest.mark.e2e


def _log_in(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_learner_asks_creator_answers_and_pins_learner_likes(live_server, browser, screenshot):
    url = live_server.url
    creator = CreatorFactory(
        user__email="alice@example.com", user__display_name="Alice", display_name="Alice"
    )
    channel = ChannelFactory(creator=creator, title="Alice's Python Lab", slug="alice-lab")
    course = CourseFactory(channel=channel, title="Python basics", slug="python-basics",
                           price_amount=0)  # fmt: skip
    learner = UserFactory(email="bob@example.com", display_name="Bob")

    bob_context, bob = _new_page(browser)
    alice_context, alice = _new_page(browser)
    try:
        # --- the learner starts a thread on the course page ---------------------------
        _log_in(bob, url, learner)
        bob.goto(url + course.get_absolute_url())
        area = bob.get_by_test_id("discussion-area")
        expect(area.get_by_test_id("no-threads")).to_be_visible()
        bob.fill("#thread-title", "How do I install <Python>?")
        bob.fill("#thread-body", "Windows or WSL?")
        bob.get_by_test_id("thread-submit").click()
        expect(bob.get_by_test_id("thread-title")).to_have_text("How do I install <Python>?")
        thread_url = bob.url
        screenshot(bob, "discussion-01-thread")

        # --- the creator replies and pins it ---------------------------------------------
        _log_in(alice, url, creator.user)
        alice.goto(url + course.get_absolute_url())
        alice.get_by_test_id("thread-link").first.click()
        alice.fill("#reply-body", "Use WSL, it is simpler.")
        alice.get_by_test_id("reply-submit").click()
        expect(alice.get_by_test_id("reply-body")).to_contain_text("Use WSL")
        alice.get_by_test_id("thread-pin").click()
        expect(alice.get_by_test_id("pinned")).to_be_visible()

        # --- the learner sees the badge, opens the thread and likes the reply ------------
        bob.goto(url + course.get_absolute_url())
        expect(bob.get_by_test_id("nav-notifications-badge")).to_have_text("1")
        expect(bob.get_by_test_id("discussion-area").get_by_test_id("pinned")).to_be_visible()
        bob.goto(thread_url)
        like = bob.locator("[data-testid^='like-reply-']")
        expect(like).to_contain_text("Like")
        like.click()
        expect(bob.locator("[data-testid^='like-count-reply-']")).to_have_text("1")
        expect(bob.locator("[data-testid^='like-reply-']")).to_contain_text("Liked")
        screenshot(bob, "discussion-02-liked")

        bob.get_by_test_id("nav-notifications").click()
        expect(bob.get_by_test_id("notifications")).to_contain_text("Alice replied to your thread")
        expect(bob.get_by_test_id("nav-notifications-badge")).to_have_count(0)
    finally:
        bob_context.close()
        alice_context.close()
