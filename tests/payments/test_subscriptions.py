"""Subscriptions end to end against localstripe: subscribe, invoice.paid, access,
earnings, cancellation at period end, and a declined card."""

import json

import pytest
from django.core.exceptions import ValidationError

from livestream.models import LiveSession
from marketplace import purchases
from marketplace.access import entitlement_check
from payments import gateway, ledger, services
from payments.models import LedgerAccount, LedgerTransaction, Subscription
from tests.factories import LiveSessionFactory, TierFactory, UserFactory
from tests.payments.test_card_payments import card
from tests.payments.test_webhooks import post, signed

Kind = LedgerAccount.Kind


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


def _renewal(sub: Subscription) -> None:
    """The next month's invoice, billed and paid as Stripe does on renewal."""
    stripe_client = gateway.client()
    customer = stripe_client.v1.subscriptions.retrieve(sub.stripe_subscription_id).customer
    invoice = stripe_client.v1.invoices.create(
        params={"customer": customer, "subscription": sub.stripe_subscription_id}
    )
    stripe_client.v1.invoices.pay(invoice.id)
    services.invoice_settle(invoice_id=invoice.id)


def test_a_creator_coupon_takes_its_discount_off_the_first_month_only(
    bob, alice, gold, members_session, settings
):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "subscription": 1000}
    services.coupon_create(
        created_by=alice.user, owner=alice.user, kind="percent", percent_off=50, code="HALF",
        scope="tier", scope_id=gold.pk,
    )  # fmt: skip
    sub = purchases.subscription_start(
        user=bob, tier=gold, payment_method=card("4242424242424242"), coupon_code="half"
    )
    assert sub.status == "active" and entitlement_check(user=bob, live_session=members_session)
    earnings = ledger.account_get(kind=Kind.EARNINGS, currency="CNY", owner=alice.user)
    assert ledger.balance(earnings) == 1500 - 150  # the creator bears the discount
    first = LedgerTransaction.objects.get(kind="subscription")
    assert "coupon HALF" in first.memo
    _renewal(sub)
    assert ledger.balance(earnings) == 1350 + 3000 - 300  # the second month at full price


def test_a_staff_coupon_on_a_first_month_is_paid_by_the_platform(bob, alice, gold, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "subscription": 1000}
    staff = UserFactory(email="ops@example.com", is_staff=True)
    services.coupon_create(
        created_by=staff, owner=None, kind="fixed", amount_off=1000, currency="CNY", code="WELCOME"
    )
    purchases.subscription_start(
        user=bob, tier=gold, payment_method=card("4242424242424242"), coupon_code="WELCOME"
    )
    balance = lambda kind, owner=None: ledger.balance(  # noqa: E731
        ledger.account_get(kind=kind, currency="CNY", owner=owner)
    )
    assert balance(Kind.EARNINGS, alice.user) == 3000 - 300  # as if paid in full
    assert balance(Kind.PROMOTIONS) == -1000
    assert balance(Kind.STRIPE_CLEARING) == -2000  # what the card paid


def test_a_declined_card_gives_the_first_month_coupon_back(bob, alice, gold):
    coupon = services.coupon_create(
        created_by=alice.user, owner=alice.user, kind="percent", percent_off=20, code="ONCE",
        max_redemptions=1,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="declined"):
        purchases.subscription_start(
            user=bob, tier=gold, payment_method=card("4000000000000341"), coupon_code="ONCE"
        )
    coupon.refresh_from_db()
    assert coupon.redeemed_count == 0 and not LedgerTransaction.objects.exists()
    sub = purchases.subscription_start(
        user=bob, tier=gold, payment_method=card("4242424242424242"), coupon_code="ONCE"
    )
    assert sub.status == "active"


def test_a_coupon_for_another_product_does_not_apply_to_a_tier(bob, alice, gold, alice_channel):
    other = TierFactory(channel=alice_channel, name="Silver", price_amount=1000, currency="CNY")
    services.coupon_create(
        created_by=alice.user, owner=alice.user, kind="percent", percent_off=50, code="SILVER",
        scope="tier", scope_id=other.pk,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        purchases.subscription_start(
            user=bob, tier=gold, payment_method=card("4242424242424242"), coupon_code="SILVER"
        )
    assert not Subscription.objects.exists()


def test_the_subscribe_page_applies_a_code_to_the_first_month(client, bob, alice, gold):
    services.coupon_create(
        created_by=alice.user, owner=alice.user, kind="percent", percent_off=50, code="HALF"
    )
    client.force_login(bob)
    url = f"/c/{gold.channel.slug}/subscribe/{gold.pk}/"
    page = client.get(url, {"code": "half"}).content.decode()
    assert "for the first month, then" in page and 'name="coupon" value="half"' in page
    bad = client.get(url, {"code": "NOPE"}).content.decode()
    assert 'data-testid="coupon-error"' in bad
    sub = client.post(url, {"payment_method": card("4242424242424242"), "coupon": "half"})
    assert sub.status_code == 302
    assert Subscription.objects.get(user=bob).status == "active"
