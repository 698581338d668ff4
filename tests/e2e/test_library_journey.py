"""A learner's "My learning" in Chromium: what she holds in one place, the session
in her calendar, the subscription's state where the tier is sold (and cancelled
there), the channel's course open to her as a subscriber, and her receipts."""

import io
import re
from datetime import UTC

import pypdf
import pytest
from playwright.sync_api import expect

from content import services as content_services
from content.models import Access
from core.timezones import format_day
from livestream.models import LiveSession
from marketplace import entitlements as marketplace_entitlements
from marketplace import purchases
from marketplace.models import Entitlement
from tests.e2e.test_payment_journey import _log_in
from tests.factories import (
    ChannelFactory,
    CourseFactory,
    CreatorFactory,
    LiveSessionFactory,
    TierFactory,
    UserFactory,
)
from tests.payments.test_card_payments import card

pytestmark = pytest.mark.e2e


@pytest.fixture
def mei(transactional_db):
    """A learner who holds a ticket, a subscription and a course with progress."""
    return UserFactory(email="mei@example.com", display_name="Mei")


def test_learner_finds_everything_she_holds_and_manages_it_from_there(
    live_server, page, screenshot, mei
):
    url = live_server.url
    creator = CreatorFactory(display_name="Li Wei")
    channel = ChannelFactory(creator=creator, title="Rust in Practice", slug="rust-practice")
    gold = TierFactory(channel=channel, name="Gold", price_amount=3000)
    course = CourseFactory(
        channel=channel, title="Ownership, step by step", slug="ownership", price_amount=29900
    )
    lessons = []
    for title in ("Borrowing", "Lifetimes"):
        lesson = content_services.lesson_create(
            user=creator.user, course=course, title=title, body="Text.", access=Access.PREVIEW
        )
        lessons.append(content_services.item_publish(user=creator.user, item=lesson))
    session = LiveSessionFactory(
        channel=ChannelFactory(title="Systems Talk"),
        title="Async Rust, live",
        access=LiveSession.Access.TICKET,
        ticket_price_amount=990,
        ticket_currency="CNY",
    )
    marketplace_entitlements.entitlement_grant(
        user=mei, source=Entitlement.Source.TICKET, source_ref="e2e-ticket", live_session=session
    )
    subscription = purchases.subscription_start(
        user=mei, tier=gold, payment_method=card("4242424242424242")
    )
    content_services.progress_mark(user=mei, lesson=lessons[0])
    renews = format_day(subscription.paid_until, language="en")

    # --- My learning, from the header ----------------------------------------------
    _log_in(page, url, mei)
    page.get_by_test_id("nav-library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    upcoming = page.get_by_test_id("library-session")
    expect(upcoming).to_have_count(1)
    expect(upcoming).to_contain_text("Async Rust, live")
    course_card = page.get_by_test_id("library-course")
    expect(course_card).to_contain_text("Ownership, step by step")
    expect(course_card).to_contain_text("included in your subscription")
    expect(page.get_by_test_id("library-progress")).to_have_text("1 of 2 lessons read")
    expect(page.get_by_test_id("library-subscription")).to_contain_text(
        f"Subscribed, renews on {renews}"
    )
    screenshot(page, "library-01-my-learning")

    # --- the session goes into her calendar ----------------------------------------
    with page.expect_download() as download_info:
        upcoming.get_by_test_id("add-to-calendar").click()
    ics = open(download_info.value.path(), encoding="utf-8").read()  # noqa: SIM115, PTH123
    assert "SUMMARY:Async Rust\\, live" in ics
    assert f"DTSTART:{session.scheduled_start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
    page.get_by_text("Subscribe from your calendar app").click()
    feed_url = page.get_by_test_id("calendar-feed-url").input_value()
    assert re.fullmatch(re.escape(url) + r"/learning/calendar/[\w-]+\.ics", feed_url)
    feed = page.request.get(feed_url)
    assert feed.ok and "Async Rust" in feed.text()

    # --- carries on with the course the subscription opens -------------------------
    course_card.get_by_role("link", name="Continue: Borrowing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Borrowing")
    page.goto(url + course.get_absolute_url())
    expect(page.get_by_test_id("open-course")).to_have_text("Open")
    expect(page.get_by_test_id("buy")).to_have_count(0)
    expect(page.get_by_test_id("thread-form")).to_be_visible()  # its discussion admits her

    # --- the tier says so on the channel page; she cancels the renewal there --------
    page.goto(url + channel.get_absolute_url())
    tier = page.get_by_test_id("subscribed")
    expect(tier).to_contain_text(f"Subscribed, renews on {renews}")
    expect(page.get_by_test_id("subscribe")).to_have_count(0)
    screenshot(page, "library-02-channel-subscribed")
    tier.get_by_test_id("subscription-cancel").click()
    expect(page).to_have_url(url + channel.get_absolute_url())
    expect(page.get_by_test_id("subscribed")).to_contain_text(
        f"Subscribed until {renews}, not renewing"
    )
    expect(page.get_by_test_id("subscription-cancel")).to_have_count(0)

    # --- her receipts: the subscription charge, printable and as a PDF --------------
    page.goto(url + "/wallet/")
    page.get_by_test_id("all-receipts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipts and orders")
    row = page.get_by_test_id("receipt-row").filter(has_text="Subscription")
    expect(row).to_contain_text("Rust in Practice: Gold")
    expect(row).to_contain_text("Card")
    expect(row).to_contain_text("¥30.00")
    row.get_by_test_id("receipt-open").click()
    expect(page.get_by_test_id("receipt-status")).to_have_text("Paid")
    expect(page.get_by_test_id("receipt-print")).to_be_visible()
    screenshot(page, "library-03-receipt")
    pdf_url = page.get_by_test_id("receipt-pdf").get_attribute("href")
    pdf = page.request.get(url + pdf_url)
    assert pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "Rust in Practice: Gold" in text and "¥30.00" in text
