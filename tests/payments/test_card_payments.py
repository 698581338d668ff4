"""Card payments against a running localstripe (started by scripts/test.sh)."""

import pytest

from marketplace import purchases
from payments import gateway, services
from payments import selectors as payment_selectors
from payments.models import LedgerTransaction, TopUp


def card(number: str) -> str:
    """A card PaymentMethod id: what Stripe.js makes in the browser from the card
    element (localstripe accepts raw test numbers server-side too)."""
    method = gateway.client().v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return method.id


def test_top_up_with_a_good_card_credits_the_wallet(bob):
    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    assert top_up.status == TopUp.Status.PENDING
    top_up = services.top_up_pay(top_up=top_up, payment_method=card("4242424242424242"))
    assert top_up.status == TopUp.Status.SUCCEEDED
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 5000
    # The webhook for the same payment arrives later: nothing more happens.
    services.payment_intent_settle(payment_intent_id=top_up.payment_intent_id)
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 5000
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1


def test_declined_card_moves_no_money_and_says_why(bob):
    # 4000 0000 0000 0341: the charge is declined (localstripe and Stripe alike).
    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, payment_method=card("4000000000000341"))
    assert top_up.status == TopUp.Status.FAILED
    assert "declined" in top_up.failure_message.lower()
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize("amount", [0, 499, 500_001, -100])
def test_top_up_amount_limits(bob, amount):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.top_up_start(user=bob, amount=amount, currency="CNY")
    assert not TopUp.objects.exists()


def test_ticket_paid_by_card_grants_access_and_credits_the_creator(bob, alice, alice_channel):
    from marketplace.access import entitlement_check
    from payments import ledger
    from payments.models import LedgerAccount, Purchase
    from tests.factories import CourseFactory

    course = CourseFactory(channel=alice_channel, price_amount=4900)
    purchase = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card("4242424242424242")
    )
    assert purchase.status == Purchase.Status.PAID
    assert entitlement_check(user=bob, course=course)
    earnings = ledger.account_get(
        kind=LedgerAccount.Kind.EARNINGS, currency="CNY", owner=alice.user
    )
    assert ledger.balance(earnings) == 4900 - purchase.fee
    assert (
        payment_selectors.wallet_balance(user=bob, currency="CNY") == 0
    )  # the card paid, not the wallet


def test_ticket_with_declined_card_leaves_no_access_and_can_be_retried(bob, alice_channel):
    from marketplace.access import entitlement_check
    from payments.models import Purchase
    from tests.factories import CourseFactory

    course = CourseFactory(channel=alice_channel, price_amount=4900)
    failed = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card("4000000000000341")
    )
    assert failed.status == Purchase.Status.FAILED and "declined" in failed.failure_message.lower()
    assert not entitlement_check(user=bob, course=course)
    assert not LedgerTransaction.objects.exists()
    retried = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card("4242424242424242")
    )
    assert retried.status == Purchase.Status.PAID


def test_staff_refund_a_top_up_back_to_the_card(bob, admin_user):
    from django.core.exceptions import ValidationError

    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, payment_method=card("4242424242424242"))
    services.top_up_refund(top_up=top_up, amount=2000, refunded_by=admin_user, expected_refunded=0)
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 3000
    with pytest.raises(ValidationError, match="refunded meanwhile"):
        services.top_up_refund(
            top_up=top_up, amount=2000, refunded_by=admin_user, expected_refunded=0
        )
    with pytest.raises(ValidationError):
        services.top_up_refund(
            top_up=top_up, amount=3001, refunded_by=admin_user, expected_refunded=2000
        )
    refund = gateway.client().v1.refunds.list(params={"payment_intent": top_up.payment_intent_id})
    assert [r.amount for r in refund.data] == [2000]


def test_top_up_already_spent_cannot_be_refunded_to_the_card(bob, alice, admin_user):
    from django.core.exceptions import ValidationError

    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, payment_method=card("4242424242424242"))
    services.tip_send(tipper=bob, creator=alice.user, amount=4000, currency="CNY", client_key="t")
    with pytest.raises(ValidationError, match="no longer holds"):
        services.top_up_refund(
            top_up=top_up, amount=5000, refunded_by=admin_user, expected_refunded=0
        )
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 1000


def test_stale_pending_ticket_is_closed_so_the_learner_can_buy_again(bob, alice_channel):
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import Purchase
    from payments.tasks import payments_settle_stale_task
    from tests.factories import CourseFactory

    course = CourseFactory(channel=alice_channel, price_amount=4900)
    stuck = Purchase.objects.create(
        buyer=bob, seller=alice_channel.creator.user, course=course, title=course.title,
        amount=4900, currency="CNY", fee=0, method=Purchase.Method.CARD,
    )  # fmt: skip
    Purchase.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert payments_settle_stale_task.delay().get() == 1
    stuck.refresh_from_db()
    assert stuck.status == Purchase.Status.FAILED
    bought = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card("4242424242424242")
    )
    assert bought.status == Purchase.Status.PAID


def bank_confirms(payment_intent_id: str, *, success: bool = True) -> None:
    """What the card holder does in the bank's 3-D Secure window (localstripe's)."""
    import json
    import urllib.request

    from django.conf import settings

    secret = gateway.payment_intent_retrieve(payment_intent_id).client_secret
    request = urllib.request.Request(
        f"{settings.STRIPE_API_BASE}/v1/payment_intents/{payment_intent_id}/_authenticate"
        f"?success={'true' if success else 'false'}",
        data=json.dumps({"key": settings.STRIPE_PUBLISHABLE_KEY, "client_secret": secret}).encode(),
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()  # noqa: S310 - localstripe on loopback


THREE_D_SECURE = "4000002500003155"


def test_top_up_needing_3d_secure_waits_for_the_bank_then_credits(bob):
    top_up = services.top_up_start(user=bob, amount=2000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, payment_method=card(THREE_D_SECURE))
    assert top_up.status == TopUp.Status.PENDING
    assert gateway.payment_intent_retrieve(top_up.payment_intent_id).status == "requires_action"
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0
    bank_confirms(top_up.payment_intent_id)
    services.payment_intent_settle(payment_intent_id=top_up.payment_intent_id)
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.SUCCEEDED
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 2000


def test_3d_secure_through_the_pages(client, bob, charlie):
    client.force_login(bob)
    start = client.post("/wallet/top-up/", {"price": "20", "currency": "CNY"})
    pay = client.post(start.url, {"payment_method": card(THREE_D_SECURE)})
    assert pay.status_code == 302 and "/payments/authenticate/" in pay.url
    page = client.get(pay.url).content.decode()
    assert "card-authenticate.js" in page and "_secret_" in page
    top_up = TopUp.objects.get(user=bob)
    bank_confirms(top_up.payment_intent_id)
    done = client.post(pay.url, {"next": "/wallet/"}, follow=True).content.decode()
    assert "Payment confirmed" in done
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 2000
    client.force_login(charlie.user)
    assert client.get(pay.url).status_code == 404


def test_abandoned_3d_secure_is_cancelled_at_stripe_and_closed(bob):
    from datetime import timedelta

    from django.utils import timezone

    top_up = services.top_up_start(user=bob, amount=2000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, payment_method=card(THREE_D_SECURE))
    TopUp.objects.filter(pk=top_up.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert services.payments_settle_stale() == 1
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.EXPIRED
    assert top_up.get_status_display() == "Expired, not charged"
    assert gateway.payment_intent_retrieve(top_up.payment_intent_id).status == "canceled"
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0
    assert services.payments_settle_stale() == 0  # a second run finds nothing to close


def test_a_top_up_left_at_the_card_form_expires_not_charged(client, bob):
    from datetime import timedelta

    from django.utils import timezone

    fresh = services.top_up_start(user=bob, amount=1000, currency="CNY")
    left = services.top_up_start(user=bob, amount=2000, currency="CNY")
    TopUp.objects.filter(pk=left.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert services.payments_settle_stale() == 1
    assert TopUp.objects.get(pk=left.pk).status == TopUp.Status.EXPIRED
    assert TopUp.objects.get(pk=fresh.pk).status == TopUp.Status.PENDING  # still typing
    client.force_login(bob)
    page = client.get("/wallet/").content.decode()
    assert "Expired, not charged" in page
    # Its card form is closed: back to the wallet, where a new top-up starts.
    assert client.get(f"/wallet/top-up/{left.pk}/").url == "/wallet/"
