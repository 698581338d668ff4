"""A subscriber changes tier in Chromium: the tier she holds says "Subscribed, renews on
<date>" with Cancel and Change tier, she moves up to a dearer tier and pays only the
prorated difference (shown on the page and in her receipts beside the first month),
the channel page then shows the new tier, and cancelling says what happens at the end
of the period."""

import pytest
from playwright.sync_api import expect

from core.money import format_money
from core.timezones import format_day
from marketplace import purchases
from payments.models import Subscription, SubscriptionCharge
from tests.e2e.test_payment_journey import _flash, _log_in
from tests.factories import ChannelFactory, CreatorFactory, TierFactory, UserFactory
from tests.payments.test_card_payments import card

pytestmark = pytest.mark.e2e


def _tier(page, name):
    """The tier card headed `name` (the other cards mention the tier held)."""
    return page.get_by_test_id("tier").filter(has=page.get_by_role("heading", name=name))


def test_subscriber_upgrades_to_a_dearer_tier_and_then_cancels(live_server, page, screenshot):
    url = live_server.url
    mei = UserFactory(email="mei@example.com", display_name="Mei")
    channel = ChannelFactory(creator=CreatorFactory(), title="Rust in Practice", slug="rust")
    gold = TierFactory(channel=channel, name="Gold", price_amount=3000, currency="CNY")
    platinum = TierFactory(channel=channel, name="Platinum", price_amount=6000, currency="CNY")
    subscription = purchases.subscription_start(
        user=mei, tier=gold, payment_method=card("4242424242424242")
    )
    renews = format_day(subscription.paid_until, language="en")

    # --- the tier she holds says so, with what she can do about it ------------------
    _log_in(page, url, mei)
    page.goto(url + channel.get_absolute_url())
    held = _tier(page, "Gold")
    expect(held.get_by_test_id("subscribed")).to_contain_text(f"Subscribed, renews on {renews}")
    expect(held.get_by_test_id("subscription-cancel")).to_be_visible()
    dearer = _tier(page, "Platinum")
    expect(dearer).to_contain_text("You subscribe to Gold.")
    expect(dearer.get_by_test_id("subscribe")).to_have_count(0)
    screenshot(page, "change-tier-01-subscribed-gold")

    # --- Change tier: the terms first, then the prorated charge ---------------------
    dearer.get_by_test_id("change-tier").click()
    expect(page.get_by_test_id("tier-change")).to_contain_text(
        "From Gold (¥30.00 a month) to Platinum (¥60.00 a month)."
    )
    expect(page.get_by_test_id("tier-change-terms")).to_contain_text(
        f"Your card pays the difference for the days left until {renews}"
    )
    screenshot(page, "change-tier-02-terms")
    page.get_by_test_id("tier-change-confirm").click()

    expect(page).to_have_url(url + channel.get_absolute_url())
    change = SubscriptionCharge.objects.get(subscription=subscription, is_tier_change=True)
    # Just started: almost a whole month of the ¥30 difference, never more.
    assert 2900 < change.amount <= 3000 and change.tier == platinum
    charged = format_money(change.amount, "CNY")
    expect(_flash(page)).to_contain_text(
        f"You now subscribe to Platinum. {charged} was charged for the rest of this period; "
        f"from {renews} it is ¥60.00 a month."
    )
    now_held = _tier(page, "Platinum")
    expect(now_held.get_by_test_id("subscribed")).to_contain_text(f"Subscribed, renews on {renews}")
    old = _tier(page, "Gold")
    expect(old).to_contain_text("You subscribe to Platinum.")
    expect(old.get_by_test_id("change-tier")).to_be_visible()  # and back down, if she likes
    assert Subscription.objects.get(pk=subscription.pk).tier == platinum
    screenshot(page, "change-tier-03-platinum")

    # --- her receipts: the first month as Gold, the difference as Platinum ----------
    page.goto(url + "/receipts/")
    rows = page.get_by_test_id("receipt-row")
    expect(rows.filter(has_text="Subscription tier change")).to_contain_text(
        "Rust in Practice: Platinum"
    )
    expect(rows.filter(has_text="Subscription tier change")).to_contain_text(charged)
    first = rows.filter(has_text="Rust in Practice: Gold")
    expect(first).to_contain_text("¥30.00")
    expect(first).not_to_contain_text("tier change")
    rows.filter(has_text="Subscription tier change").get_by_test_id("receipt-open").click()
    expect(page.get_by_test_id("receipt-status")).to_have_text("Paid")
    expect(page.locator("main")).to_contain_text("Tier change: the difference until")
    screenshot(page, "change-tier-04-receipt")

    # --- cancel: it stays Platinum to the end of the period, then stops -------------
    page.goto(url + channel.get_absolute_url())
    _tier(page, "Platinum").get_by_test_id("subscription-cancel").click()
    expect(_flash(page)).to_contain_text(
        "Your subscription will not renew. Access lasts until the paid period ends."
    )
    state = _tier(page, "Platinum")
    expect(state.get_by_test_id("subscribed")).to_contain_text(
        f"Subscribed until {renews}, not renewing"
    )
    expect(page.get_by_test_id("subscription-cancel")).to_have_count(0)
    expect(page.get_by_test_id("change-tier")).to_have_count(0)  # nothing to change now
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end and subscription.status == "active"
    screenshot(page, "change-tier-05-cancelled")
