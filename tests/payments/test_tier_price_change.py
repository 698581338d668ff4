"""A tier's price change: new subscribers pay it at once; current subscribers are told
ahead and keep their price until the first renewal at least the notice period away,
when Stripe starts billing the new price (no proration), against localstripe."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from marketplace import purchases
from marketplace import services as marketplace_services
from payments import gateway, services
from payments.models import Subscription
from tests.factories import TierFactory, UserFactory
from tests.payments.test_card_payments import card

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(alice_channel):
    return TierFactory(channel=alice_channel, name="Gold", price_amount=3000, currency="CNY")


def _stripe_plan_amount(subscription):
    sub = gateway.client().v1.subscriptions.retrieve(subscription.stripe_subscription_id)
    return sub["items"]["data"][0]["plan"]["amount"]


def _reprice(tier, amount):
    return marketplace_services.tier_update(
        tier=tier, name=tier.name, price_amount=amount, currency=tier.currency
    )


def test_subscribers_are_told_ahead_and_keep_their_price_until_the_renewal_after_notice(
    bob, gold, settings, django_capture_on_commit_callbacks
):
    settings.SUBSCRIPTION_PRICE_NOTICE_DAYS = 45  # beyond the month already paid
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(gold, 4000)
    sub.refresh_from_db()
    assert (sub.next_price_amount, sub.next_price_currency) == (4000, "CNY")
    assert sub.next_price_from - timezone.now() > timedelta(days=44)
    notice = Notification.objects.get(user=bob, kind="price_change")
    assert "¥30.00 to ¥40.00" in notice.text and "Gold" in notice.text
    assert sub.next_price_from.date().isoformat() in notice.text

    # Not yet: the renewal at the end of this month still bills the old price.
    assert services.subscription_prices_apply() == 0
    assert _stripe_plan_amount(sub) == 3000

    # That renewal was paid: the one after it is past the notice, so Stripe moves now.
    Subscription.objects.filter(pk=sub.pk).update(paid_until=sub.paid_until + timedelta(days=31))
    assert services.subscription_prices_apply() == 1
    assert _stripe_plan_amount(sub) == 4000
    sub.refresh_from_db()
    assert sub.next_price_amount is None and sub.next_price_from is None
    # No proration: nothing is credited or charged for the period already paid.
    customer = gateway.client().v1.subscriptions.retrieve(sub.stripe_subscription_id)["customer"]
    items = gateway.client().v1.invoice_items.list(params={"customer": customer})
    assert [i for i in items.data if i.get("proration")] == []
    assert services.subscription_prices_apply() == 0  # once


def test_new_subscribers_pay_the_new_price_at_once(bob, gold, django_capture_on_commit_callbacks):
    purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(gold, 4000)
    newcomer = UserFactory()
    sub = purchases.subscription_start(
        user=newcomer, tier=gold, payment_method=card("4242424242424242")
    )
    assert sub.charges.get().amount == 4000 and sub.next_price_amount is None
    assert _stripe_plan_amount(sub) == 4000


def test_no_notice_without_a_price_change_nor_to_subscribers_who_are_leaving(
    bob, gold, django_capture_on_commit_callbacks
):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    with django_capture_on_commit_callbacks(execute=True):
        marketplace_services.tier_update(
            tier=gold, name="Gold", price_amount=3000, currency="CNY", benefits="More"
        )
    assert not Notification.objects.filter(kind="price_change").exists()
    services.subscription_cancel(subscription=sub, user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        _reprice(gold, 5000)
    sub.refresh_from_db()
    assert sub.next_price_amount is None
    assert not Notification.objects.filter(kind="price_change").exists()
