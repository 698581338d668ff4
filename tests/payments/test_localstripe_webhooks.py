"""localstripe itself delivers signed webhooks to the running site, and they alone
settle payments: nothing here calls the settlement services directly."""

import time

import pytest

from livestream.models import LiveSession
from marketplace import purchases
from marketplace.access import entitlement_check
from payments import gateway, services
from payments import selectors as payment_selectors
from payments.localstripe import disable_localstripe_webhook, register_localstripe_webhook
from payments.models import StripeEvent, Subscription, TopUp
from tests.factories import ChannelFactory, LiveSessionFactory, TierFactory, UserFactory
from tests.payments.test_card_payments import card

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def webhooks_to_live_server(live_server):
    """Deliveries to the live server for this test only: left registered, localstripe
    would go on posting every later test's events to the (session-wide) live server,
    which would then write to the database while another test flushes it."""
    register_localstripe_webhook(f"{live_server.url}/stripe/webhook/", name="tests")
    yield live_server
    disable_localstripe_webhook(name="tests")
    time.sleep(0.5)  # a delivery already on its way finishes before the flush


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_payment_intent_webhook_credits_the_wallet(webhooks_to_live_server):
    bob = UserFactory()
    top_up = services.top_up_start(user=bob, amount=3000, currency="CNY")
    intent = gateway.card_charge(
        amount=3000, currency="CNY", payment_method=card("4242424242424242"),
        metadata={"purpose": "top_up"}, idempotency_key=f"wh-{top_up.pk}",
    )  # fmt: skip
    TopUp.objects.filter(pk=top_up.pk).update(payment_intent_id=intent.id)
    assert wait_for(lambda: payment_selectors.wallet_balance(user=bob, currency="CNY") == 3000)
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").exists()


def test_invoice_webhook_opens_the_subscriber_session(webhooks_to_live_server):
    fan = UserFactory()
    channel = ChannelFactory()
    tier = TierFactory(channel=channel, price_amount=2000, currency="CNY")
    session = LiveSessionFactory(
        channel=channel, access=LiveSession.Access.SUBSCRIBERS, required_tier=tier
    )
    plan = purchases.tier_plan(tier)
    customer_id = gateway.customer_with_card(
        customer_id="", email=fan.email, payment_method=card("4242424242424242")
    )
    # Subscribe at Stripe and record it, but settle nothing ourselves: the webhook must.
    info = gateway.subscription_create(
        customer_id=customer_id, plan_id=plan.plan_id, metadata={}, idempotency_key="wh-sub"
    )
    Subscription.objects.create(
        user=fan, tier=tier, stripe_subscription_id=info.id, status=info.status
    )
    assert wait_for(lambda: entitlement_check(user=fan, live_session=session))
    assert StripeEvent.objects.filter(type="invoice.payment_succeeded").exists()
    # dj-stripe mirrored the Stripe objects from the same events.
    from djstripe.models import Invoice
    from djstripe.models import Subscription as MirroredSubscription

    assert wait_for(lambda: MirroredSubscription.objects.filter(id=info.id).exists())
    assert wait_for(
        lambda: Invoice.objects.filter(subscription_id=info.id, stripe_data__status="paid").exists()
    )
