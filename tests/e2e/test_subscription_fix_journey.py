"""A renewal the bank wants confirmed (3-D Secure), fixed by the learner in Chromium:
My learning says the payment failed, "Fix your card" runs the bank's check (localstripe's
Stripe.js stand-in shows it), and the subscription renews again."""

import pytest
from playwright.sync_api import expect

from core.timezones import format_day
from marketplace import purchases
from payments import gateway, services
from payments.models import Subscription
from tests.e2e.test_payment_journey import _flash, _log_in
from tests.factories import ChannelFactory, CreatorFactory, TierFactory, UserFactory
from tests.payments.test_card_payments import card

pytestmark = pytest.mark.e2e


def test_learner_confirms_a_past_due_renewal_on_the_fix_card_page(live_server, page, screenshot):
    url = live_server.url
    mei = UserFactory(email="mei@example.com", display_name="Mei")
    channel = ChannelFactory(creator=CreatorFactory(), title="Rust in Practice", slug="rust")
    gold = TierFactory(channel=channel, name="Gold", price_amount=3000, currency="CNY")
    subscription = purchases.subscription_start(
        user=mei, tier=gold, payment_method=card("4242424242424242")
    )
    # Her bank now asks for 3-D Secure on every payment, and the month is over.
    gateway.customer_with_card(
        customer_id=mei.stripe_customer.customer_id,
        email=mei.email,
        payment_method=card("4000002760003184"),
    )
    sid = subscription.stripe_subscription_id
    gateway.client().raw_request("post", f"/_test/subscriptions/{sid}/renew")
    invoice_id = gateway.subscription_retrieve(sid).latest_invoice_id
    services.invoice_payment_failed(invoice_id=invoice_id)  # invoice.payment_action_required

    _log_in(page, url, mei)
    page.goto(url + "/learning/")
    row = page.get_by_test_id("library-subscription")
    expect(row).to_contain_text("Renewal payment failed")
    row.get_by_test_id("subscription-fix").click()

    expect(page.get_by_test_id("checkout-explanation")).to_contain_text(
        "Your bank asks you to confirm the ¥30.00 renewal of Gold"
    )
    screenshot(page, "subscription-fix-01-bank-check")
    page.get_by_role("button", name="Complete authentication").click()

    expect(_flash(page)).to_contain_text("Paid. Your Gold subscription is active again")
    subscription = Subscription.objects.get(pk=subscription.pk)
    assert subscription.status == "active"
    renews = format_day(subscription.paid_until, language="en")
    expect(page.get_by_test_id("subscribed")).to_contain_text(f"Subscribed, renews on {renews}")
    screenshot(page, "subscription-fix-02-renewed")
