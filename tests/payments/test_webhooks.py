"""Stripe webhooks: refused when not genuine, processed exactly once when they are."""

import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings
from django.test import Client

from payments import selectors as payment_selectors
from payments import services
from payments.models import LedgerTransaction, StripeEvent, TopUp
from tests.payments.test_card_payments import card
from tests.payments.test_concurrency import run_together

URL = "/stripe/webhook/"


def signed(payload: bytes, *, secret=None, at=None) -> dict:
    at = int(time.time()) if at is None else at
    secret = secret or settings.STRIPE_WEBHOOK_SECRET
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"HTTP_STRIPE_SIGNATURE": f"t={at},v1={mac}"}


def event(pi_id: str, *, event_id="evt_1", type_="payment_intent.succeeded") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": type_,
            "data": {"object": {"id": pi_id, "object": "payment_intent"}},
        }
    ).encode()


def post(client, payload: bytes, **headers):
    return client.post(URL, payload, content_type="application/json", **headers)


@pytest.fixture
def paid_top_up(bob):
    """A top-up charged at Stripe whose settlement we have not heard of yet."""
    from payments import gateway

    top_up = services.top_up_start(user=bob, amount=4000, currency="CNY")
    intent = gateway.card_charge(
        amount=4000, currency="CNY", payment_method=card("4242424242424242"),
        metadata={"purpose": "top_up"}, idempotency_key=f"t{top_up.pk}",
    )  # fmt: skip
    TopUp.objects.filter(pk=top_up.pk).update(payment_intent_id=intent.id)
    top_up.refresh_from_db()
    return top_up


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_STRIPE_SIGNATURE": "t=1,v1=deadbeef"},
        "wrong-secret",
        "stale",
    ],
)
def test_unsigned_wrongly_signed_or_stale_events_are_refused(client, paid_top_up, headers):
    payload = event(paid_top_up.payment_intent_id)
    if headers == "wrong-secret":
        headers = signed(payload, secret="whsec_someone_else")
    elif headers == "stale":
        headers = signed(payload, at=int(time.time()) - 301)
    assert post(client, payload, **headers).status_code == 400
    assert not StripeEvent.objects.exists()
    assert payment_selectors.wallet_balance(user=paid_top_up.user, currency="CNY") == 0


@pytest.mark.parametrize("payload", [b"not json", b"{}", b'{"id": "evt", "type": "x"}', b"[1]"])
def test_malformed_signed_payloads_are_refused(client, db, payload):
    assert post(client, payload, **signed(payload)).status_code == 400
    assert not StripeEvent.objects.exists()


def test_genuine_event_settles_the_top_up(client, paid_top_up):
    payload = event(paid_top_up.payment_intent_id)
    assert post(client, payload, **signed(payload)).status_code == 200
    paid_top_up.refresh_from_db()
    assert paid_top_up.status == TopUp.Status.SUCCEEDED
    assert payment_selectors.wallet_balance(user=paid_top_up.user, currency="CNY") == 4000


def test_same_event_days_later_posts_nothing_more(client, paid_top_up):
    payload = event(paid_top_up.payment_intent_id)
    post(client, payload, **signed(payload))
    later = post(client, payload, **signed(payload))
    assert later.status_code == 200
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1


def test_out_of_order_events_end_in_the_same_balance(client, paid_top_up):
    # A stale "failed" event arriving after success must not undo it, and vice versa.
    failed = event(
        paid_top_up.payment_intent_id, event_id="evt_f", type_="payment_intent.payment_failed"
    )
    ok = event(paid_top_up.payment_intent_id, event_id="evt_ok")
    post(client, ok, **signed(ok))
    post(client, failed, **signed(failed))
    paid_top_up.refresh_from_db()
    assert paid_top_up.status == TopUp.Status.SUCCEEDED
    assert payment_selectors.wallet_balance(user=paid_top_up.user, currency="CNY") == 4000


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_five_times_at_once_posts_once():
    from payments import gateway
    from tests.factories import UserFactory

    bob = UserFactory()
    top_up = services.top_up_start(user=bob, amount=2500, currency="CNY")
    intent = gateway.card_charge(
        amount=2500, currency="CNY", payment_method=card("4242424242424242"),
        metadata={}, idempotency_key=f"c{top_up.pk}",
    )  # fmt: skip
    TopUp.objects.filter(pk=top_up.pk).update(payment_intent_id=intent.id)
    payload = event(intent.id, event_id="evt_dup")
    results = run_together(5, lambda i: post(Client(), payload, **signed(payload)).status_code)
    assert results == [200] * 5
    assert StripeEvent.objects.filter(event_id="evt_dup").count() == 1
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 2500
