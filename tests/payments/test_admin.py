"""Staff handle refunds and payouts from the Django admin, never from a shell."""

import pytest

from marketplace import purchases
from payments import selectors as payment_selectors
from payments import services
from payments.models import Payout, Purchase
from tests.factories import CourseFactory


@pytest.fixture
def paid_purchase(bob, alice_channel):
    course = CourseFactory(channel=alice_channel, price_amount=9900)
    services.wallet_top_up_credit(user=bob, amount=9900, currency="CNY", payment_intent_id="p")
    return purchases.purchase_with_wallet(buyer=bob, course=course)


def test_staff_refunds_part_of_a_ticket_from_the_admin(admin_client, paid_purchase, bob):
    page = admin_client.get(f"/admin/payments/purchase/{paid_purchase.pk}/change/")
    assert b"/refund/" in page.content
    url = f"/admin/payments/purchase/{paid_purchase.pk}/refund/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"amount": "20.00", "expected_refunded": 0})
    assert response.status_code == 302
    paid_purchase.refresh_from_db()
    assert paid_purchase.refunded_amount == 2000
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 2000
    # The same form submitted again (a double click) refunds nothing more.
    again = admin_client.post(url, {"amount": "20.00", "expected_refunded": 0})
    assert again.status_code == 200
    assert "refunded meanwhile" in again.content.decode()
    paid_purchase.refresh_from_db()
    assert paid_purchase.refunded_amount == 2000


def test_refund_over_the_price_is_shown_as_a_field_error(admin_client, paid_purchase):
    url = f"/admin/payments/purchase/{paid_purchase.pk}/refund/"
    response = admin_client.post(url, {"amount": "100.00", "expected_refunded": 0})
    assert response.status_code == 200
    assert "The largest amount is ¥99.00" in response.content.decode()
    paid_purchase.refresh_from_db()
    assert paid_purchase.status == Purchase.Status.PAID


def test_non_staff_cannot_refund(client, bob, paid_purchase):
    client.force_login(bob)
    response = client.post(
        f"/admin/payments/purchase/{paid_purchase.pk}/refund/",
        {"amount": "99.00", "expected_refunded": 0},
    )
    assert response.status_code == 302  # to the admin login
    paid_purchase.refresh_from_db()
    assert paid_purchase.refunded_amount == 0


@pytest.fixture
def requested_payout(alice, bob, settings):
    settings.PAYMENTS_MIN_PAYOUT = 100
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="p")
    services.tip_send(tipper=bob, creator=alice.user, amount=5000, currency="CNY", client_key="t")
    return services.payout_request(creator=alice.user, amount=1000, currency="CNY")


def test_staff_approve_payouts_in_bulk(admin_client, requested_payout):
    response = admin_client.post(
        "/admin/payments/payout/",
        {"action": "approve", "_selected_action": [requested_payout.pk]},
    )
    assert response.status_code == 302
    requested_payout.refresh_from_db()
    assert requested_payout.status == Payout.Status.PAID


def test_rejecting_asks_for_a_reason_first(admin_client, requested_payout):
    ask = admin_client.post(
        "/admin/payments/payout/", {"action": "reject", "_selected_action": [requested_payout.pk]}
    )
    assert ask.status_code == 200 and b"Reason" in ask.content
    requested_payout.refresh_from_db()
    assert requested_payout.status == Payout.Status.REQUESTED
    admin_client.post(
        "/admin/payments/payout/",
        {"action": "reject", "_selected_action": [requested_payout.pk], "reason": "No ID"},
    )
    requested_payout.refresh_from_db()
    assert (requested_payout.status, requested_payout.reason) == (Payout.Status.REJECTED, "No ID")


def test_ledger_is_read_only_in_the_admin(admin_client, paid_purchase):
    assert admin_client.get("/admin/payments/ledgertransaction/").status_code == 200
    assert admin_client.get("/admin/payments/ledgertransaction/add/").status_code == 403


def test_staff_refund_a_top_up_from_the_admin(admin_client, bob):
    from payments.models import TopUp
    from tests.payments.test_card_payments import card

    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, payment_method=card("4242424242424242"))
    page = admin_client.get(f"/admin/payments/topup/{top_up.pk}/change/")
    assert b"/refund/" in page.content
    url = f"/admin/payments/topup/{top_up.pk}/refund/"
    response = admin_client.post(url, {"amount": "50.00", "expected_refunded": 0})
    assert response.status_code == 302
    top_up.refresh_from_db()
    assert top_up.refunded_amount == 5000
    assert top_up.status == TopUp.Status.SUCCEEDED
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0
