"""Subscriptions end to end against localstripe: subscribe, invoice.paid, access,
earnings, cancellation at period end, and a declined card."""

import json

import pytest
from django.core.exceptions import ValidationError

from livestream.models import LiveSession
from marketplace import purchases
from marketplace.selectors import entitlement_check
from payments import gateway, ledger, services
from payments.models import LedgerAccount, LedgerTransaction, Subscription
from tests.factories import LiveSessionFactory, TierFactory
from tests.payments.test_card_payments import card
from tests.payments.test_webhooks import post, signed

Kind = LedgerAccount.Kind


@pytest.fixture
def gold(alice_channel):
    return TierFactory(channel=alice_channel, name="Gold", price_amount=3000, currency="CNY")


@pytest.fixture
def members_session(alice_channel, gold):
    return LiveSessionFactory(
        channel=alice_channel, access=LiveSession.Access.SUBSCRIBERS, required_tier=gold
    )


def test_subscribing_grants_access_and_credits_the_creator(
    bob, alice, gold, members_session, settings
):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "subscription": 1000}
    assert not entitlement_check(user=bob, live_session=members_session)
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    assert sub.status == "active" and sub.paid_until is not None
    assert entitlement_check(user=bob, live_session=members_session)
    earnings = ledger.account_get(kind=Kind.EARNINGS, currency="CNY", owner=alice.user)
    assert ledger.balance(earnings) == 2700


def test_invoice_paid_webhook_is_idempotent(client, bob, gold):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    invoice_id = gateway.subscription_retrieve(sub.stripe_subscription_id).latest_invoice_id
    payload = json.dumps(
        {"id": "evt_inv", "type": "invoice.paid", "data": {"object": {"id": invoice_id}}}
    ).encode()
    for _ in range(3):
        assert post(client, payload, **signed(payload)).status_code == 200
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1


def test_cancel_keeps_access_until_the_paid_period_ends(bob, gold, members_session):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    sub = services.subscription_cancel(subscription=sub, user=bob)
    assert sub.cancel_at_period_end
    assert entitlement_check(user=bob, live_session=members_session)


def test_declined_card_subscribes_nobody(bob, gold, members_session):
    with pytest.raises(ValidationError, match="declined"):
        purchases.subscription_start(user=bob, tier=gold, payment_method=card("4000000000000341"))
    assert not entitlement_check(user=bob, live_session=members_session)
    assert not LedgerTransaction.objects.exists()


def test_cannot_subscribe_twice_or_to_yourself(bob, alice, gold):
    purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    with pytest.raises(ValidationError, match="already subscribe"):
        purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    with pytest.raises(ValidationError, match="own channel"):
        purchases.subscription_start(
            user=alice.user, tier=gold, payment_method=card("4242424242424242")
        )
    assert Subscription.objects.count() == 1


def test_subscribe_and_cancel_through_the_pages(client, bob, gold, alice_channel):
    client.force_login(bob)
    channel_page = client.get(f"/c/{alice_channel.slug}/").content.decode()
    url = f"/c/{alice_channel.slug}/subscribe/{gold.pk}/"
    assert url in channel_page
    form = client.get(url).content.decode()
    assert "Subscribe for ¥30.00 a month" in form
    done = client.post(url, {"payment_method": card("4242424242424242")}, follow=True)
    assert "Welcome to Gold!" in done.content.decode()
    sub = Subscription.objects.get(user=bob)
    wallet = client.get("/wallet/").content.decode()
    assert "Cancel renewal" in wallet
    client.post(f"/subscriptions/{sub.pk}/cancel/")
    sub.refresh_from_db()
    assert sub.cancel_at_period_end


def test_someone_elses_subscription_cannot_be_cancelled(client, bob, charlie, gold):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    client.force_login(charlie.user)
    assert client.post(f"/subscriptions/{sub.pk}/cancel/").status_code == 404
    sub.refresh_from_db()
    assert not sub.cancel_at_period_end
