"""Chargebacks (`charge.dispute.*`) against localstripe's dispute stand-in
(scripts/localstripe_disputes.py): the sale is reversed through the ledger once,
the buyer loses access, the creator is told why; a won dispute restores both."""

import json
import urllib.request

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification
from marketplace import purchases
from marketplace.access import entitlement_check
from payments import ledger, services
from payments.models import LedgerAccount, LedgerTransaction, Purchase, TopUp
from tests.factories import CourseFactory
from tests.payments.test_card_payments import card
from tests.payments.test_webhooks import post, signed

Kind = LedgerAccount.Kind


def bank(path: str, **fields) -> dict:
    """What the card holder's bank does at Stripe (localstripe's /_config/)."""
    from django.conf import settings

    request = urllib.request.Request(
        f"{settings.STRIPE_API_BASE}/_config/{path}",
        data=json.dumps(fields).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def dispute_event(dispute: dict, type_: str, event_id: str) -> bytes:
    return json.dumps(
        {"id": event_id, "type": type_, "data": {"object": {"id": dispute["id"],
                                                            "object": "dispute"}}}
    ).encode()  # fmt: skip


@pytest.fixture
def card_ticket(bob, alice_channel):
    course = CourseFactory(channel=alice_channel, title="Async Python", price_amount=4900)
    purchase = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card("4242424242424242")
    )
    assert purchase.status == Purchase.Status.PAID
    return purchase, course


def earnings(user) -> int:
    return ledger.balance(ledger.account_get(kind=Kind.EARNINGS, currency="CNY", owner=user))


def test_a_chargeback_reverses_the_ticket_and_the_earning_once_and_tells_the_creator(
    client, card_ticket, alice, bob
):
    purchase, course = card_ticket
    assert earnings(alice.user) == 4900 - purchase.fee
    dispute = bank("disputes", payment_intent=purchase.payment_intent_id, reason="fraudulent")
    payload = dispute_event(dispute, "charge.dispute.created", "evt_dp_1")
    assert post(client, payload, **signed(payload)).status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.DISPUTED
    assert not entitlement_check(user=bob, course=course)
    assert earnings(alice.user) == 0
    note = Notification.objects.get(user=alice.user)
    assert "Async Python" in note.text and "did not make this payment" in note.text
    # Later events about the same dispute change nothing.
    again = dispute_event(dispute, "charge.dispute.funds_withdrawn", "evt_dp_2")
    assert post(client, again, **signed(again)).status_code == 200
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISPUTE).count() == 1
    assert Notification.objects.filter(user=alice.user).count() == 1


def test_a_creator_already_paid_out_leaves_the_platform_to_bear_the_rest(
    card_ticket, alice, admin_user, settings
):
    purchase, _course = card_ticket
    settings.PAYMENTS_MIN_PAYOUT = 100
    share = earnings(alice.user)
    payout = services.payout_request(creator=alice.user, amount=share - 1000, currency="CNY")
    services.payout_approve(payout=payout, approved_by=admin_user)
    dispute = bank("disputes", payment_intent=purchase.payment_intent_id, reason="duplicate")
    services.dispute_settle(dispute_id=dispute["id"])
    assert earnings(alice.user) == 0  # never negative
    revenue = ledger.balance(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency="CNY"))
    assert revenue == -(share - 1000)  # its fee back to the bank, and the part paid out


def test_a_won_dispute_gives_back_the_access_and_the_earning(client, card_ticket, alice, bob):
    purchase, course = card_ticket
    before = earnings(alice.user)
    dispute = bank("disputes", payment_intent=purchase.payment_intent_id, reason="general")
    services.dispute_settle(dispute_id=dispute["id"])
    bank(f"disputes/{dispute['id']}/close", status="won")
    payload = dispute_event(dispute, "charge.dispute.closed", "evt_dp_won")
    assert post(client, payload, **signed(payload)).status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PAID
    assert entitlement_check(user=bob, course=course)
    assert earnings(alice.user) == before


def wallet(user) -> int:
    return ledger.balance(ledger.account_get(kind=Kind.WALLET, currency="CNY", owner=user))


def owed(user) -> int:
    return -ledger.balance(ledger.account_get(kind=Kind.WALLET_DEBT, currency="CNY", owner=user))


def _top_up(user, amount=5000):
    top_up = services.top_up_start(user=user, amount=amount, currency="CNY")
    return services.top_up_pay(top_up=top_up, payment_method=card("4242424242424242"))


def test_a_chargeback_on_an_unspent_top_up_takes_it_back_out_of_the_wallet(client, bob):
    top_up = _top_up(bob)
    assert wallet(bob) == 5000
    dispute = bank("disputes", payment_intent=top_up.payment_intent_id, reason="fraudulent")
    payload = dispute_event(dispute, "charge.dispute.created", "evt_tu_1")
    assert post(client, payload, **signed(payload)).status_code == 200
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.DISPUTED
    assert (wallet(bob), owed(bob)) == (0, 0)
    clearing = ledger.account_get(kind=Kind.STRIPE_CLEARING, currency="CNY")
    assert ledger.balance(clearing) == 0  # what Stripe took back is what it had paid in
    assert "took back the top-up of ¥50.00" in Notification.objects.get(user=bob).text
    again = dispute_event(dispute, "charge.dispute.funds_withdrawn", "evt_tu_2")
    assert post(client, again, **signed(again)).status_code == 200
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISPUTE).count() == 1


def test_a_spent_top_up_leaves_a_debt_the_next_top_up_pays_first(client, bob, alice):
    top_up = _top_up(bob)
    services.tip_send(tipper=bob, creator=alice.user, amount=3000, currency="CNY", client_key="t")
    dispute = bank("disputes", payment_intent=top_up.payment_intent_id, reason="fraudulent")
    services.dispute_settle(dispute_id=dispute["id"])
    assert (wallet(bob), owed(bob)) == (0, 3000)  # the wallet never goes below zero
    assert "you owe ¥30.00" in Notification.objects.get(user=bob).text
    client.force_login(bob)
    page = client.get("/wallet/").content.decode()
    assert 'data-testid="wallet-debt"' in page and "¥30.00" in page
    # Restricted: nothing can be spent until the debt is settled.
    with pytest.raises(ValidationError):
        services.tip_send(tipper=bob, creator=alice.user, amount=100, currency="CNY",
                          client_key="t2")  # fmt: skip
    _top_up(bob, amount=2000)
    assert (wallet(bob), owed(bob)) == (0, 1000)
    second = _top_up(bob, amount=2000)
    assert (wallet(bob), owed(bob)) == (1000, 0)
    services.payment_intent_settle(payment_intent_id=second.payment_intent_id)  # a replay
    assert (wallet(bob), owed(bob)) == (1000, 0)
    assert 'data-testid="wallet-debt"' not in client.get("/wallet/").content.decode()


def test_a_won_top_up_dispute_cancels_the_debt_and_refills_the_wallet(bob, alice):
    top_up = _top_up(bob)
    services.tip_send(tipper=bob, creator=alice.user, amount=3000, currency="CNY", client_key="t")
    dispute = bank("disputes", payment_intent=top_up.payment_intent_id)
    services.dispute_settle(dispute_id=dispute["id"])
    assert (wallet(bob), owed(bob)) == (0, 3000)
    bank(f"disputes/{dispute['id']}/close", status="won")
    services.dispute_settle(dispute_id=dispute["id"])
    services.dispute_settle(dispute_id=dispute["id"])  # once
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.SUCCEEDED
    assert (wallet(bob), owed(bob)) == (2000, 0)  # as before the chargeback
