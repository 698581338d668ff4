"""Following and the notification centre in a real browser: a learner follows a
channel, sees its session in the Following feed, watches the header badge change
without a reload when the channel goes live, chooses how go-live notices reach them,
and stops the e-mails with the link the e-mail carries."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services.notify import preferences_for
from livestream import services as live_services
from tests.e2e.test_discussion_journey import _log_in
from tests.factories import ChannelFactory, CreatorFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_learner_follows_sees_the_badge_go_live_sets_preferences_and_unsubscribes(
    live_server, page, browser, settings, screenshot
):
    settings.NOTIFICATIONS_POLL_SECONDS = 2
    url = live_server.url
    creator = CreatorFactory(user__email="alice@example.com", display_name="Alice")
    channel = ChannelFactory(creator=creator, title="Alice's Python Lab", slug="alice-lab")
    learner = UserFactory(email="bob@example.com", display_name="Bob")
    session = live_services.session_schedule(
        user=creator.user,
        channel=channel,
        title="Async Python, live",
        scheduled_start=timezone.now() + timedelta(hours=1),
    )

    # --- follow the channel from its page -------------------------------------------------
    _log_in(page, url, learner)
    page.goto(url + channel.get_absolute_url())
    follow = page.get_by_test_id("follow-channel")
    expect(follow.get_by_test_id("follower-count")).to_have_text("0 followers")
    follow.get_by_test_id("follow-button").click()
    expect(follow.get_by_test_id("follower-count")).to_have_text("1 follower")
    expect(follow.get_by_test_id("unfollow-button")).to_be_visible()
    screenshot(page, "follow-01-following")

    # --- the Following feed shows the channel's new session ----------------------------------
    page.get_by_test_id("nav-following").click()
    expect(page.get_by_test_id("following-feed")).to_contain_text("Async Python, live")

    # --- the channel goes live: the badge appears without a reload ---------------------------
    expect(page.get_by_test_id("nav-notifications-badge")).to_have_count(0)
    live_services.session_start(session=session, user=creator.user)
    expect(page.get_by_test_id("nav-notifications-badge")).to_have_text("1")
    screenshot(page, "follow-02-badge")
    page.get_by_test_id("nav-notifications").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("Async Python, live")
    expect(page.get_by_test_id("nav-notifications-badge")).to_have_count(0)

    # --- the e-mail's unsubscribe link, opened without logging in ----------------------------
    live_email = next(m for m in mail.outbox if m.to == ["bob@example.com"])
    link = re.search(r"https?://\S+/accounts/notifications/unsubscribe/\S+/", live_email.body)
    assert link is not None, live_email.body
    assert live_email.extra_headers["List-Unsubscribe"] == f"<{link.group(0)}>"
    path = link.group(0)[link.group(0).index("/accounts/") :]
    context = browser.new_context(locale="en-US")
    stranger = context.new_page()
    try:
        stranger.goto(url + path)
        stranger.get_by_test_id("unsubscribe-confirm").click()
        expect(stranger.get_by_test_id("unsubscribe-done")).to_be_visible()
        screenshot(stranger, "follow-03-unsubscribed")
    finally:
        context.close()

    # --- the settings page shows it, and takes another choice --------------------------------
    page.get_by_test_id("notification-settings-link").click()
    expect(page.get_by_test_id("pref-go_live").get_by_label("In the site only")).to_be_checked()
    reply = page.get_by_test_id("pref-reply")
    expect(reply.get_by_label("In the site and by e-mail")).to_be_checked()
    reply.get_by_label("Not at all").check()
    page.get_by_test_id("notification-settings-save").click()
    expect(page.locator(".messages")).to_contain_text("Your notification settings are saved.")
    expect(page.get_by_test_id("pref-reply").get_by_label("Not at all")).to_be_checked()
    assert preferences_for(learner)["go_live"] == "in_app"
    assert preferences_for(learner)["reply"] == "none"
