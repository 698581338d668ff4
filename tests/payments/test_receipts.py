"""Order history and receipts: every kind of payment bob makes is listed with its
amount, method and status, each opens as a printable page and a PDF (Chinese text
included), and nobody else can open them."""

import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import translation

from marketplace import purchases
from payments import receipts, services
from payments.models import SubscriptionCharge, TopUp
from qa import services as qa_services
from tests.factories import CourseFactory, TierFactory
from tests.payments.test_card_payments import card
from tests.qa.conftest import ask


@pytest.fixture
def bob_topped_up(bob):
    top_up = services.top_up_start(user=bob, amount=20_000, currency="CNY")
    services.top_up_pay(top_up=top_up, payment_method=card("4242424242424242"))
    return bob


def _kinds(user):
    return [(r.what, r.method, r.status) for r in receipts.receipts_for(user=user)]


def test_every_kind_of_payment_is_in_the_order_history(bob_topped_up, alice, alice_channel):
    bob = bob_topped_up
    course = CourseFactory(channel=alice_channel, title="深度学习入门", price_amount=4_900)
    purchases.purchase_with_wallet(buyer=bob, course=course)
    services.tip_send(
        tipper=bob, creator=alice.user, amount=500, currency="CNY", client_key="tip-1"
    )
    qa_services.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    declined = ask(bob, alice.user, text="Will you answer this one?")
    qa_services.question_decline(expert=alice.user, question_id=declined.pk, reason="Busy")
    gold = TierFactory(channel=alice_channel, name="Gold", price_amount=3000)
    purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))

    rows = _kinds(bob)

    assert ("Wallet top-up", "Card", "Paid") in rows
    assert ("Course", "Wallet", "Paid") in rows
    assert ("Tip", "Wallet", "Paid") in rows
    assert ("Paid question", "Wallet", "Paid") in rows
    assert ("Paid question refunded", "Wallet", "Refunded to your wallet") in rows
    assert ("Subscription", "Card", "Paid") in rows
    by_what = {r.what: r for r in receipts.receipts_for(user=bob)}
    assert by_what["Course"].title == "深度学习入门" and by_what["Course"].amount == 4_900
    assert by_what["Subscription"].title == f"{alice_channel.title}: Gold"
    assert by_what["Paid question refunded"].is_refund
    assert SubscriptionCharge.objects.filter(subscription__user=bob).count() == 1


def test_a_subscription_charge_is_recorded_once_however_often_its_invoice_is_settled(
    bob, alice_channel
):
    from payments import gateway

    gold = TierFactory(channel=alice_channel, name="Gold", price_amount=3000)
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    invoice_id = gateway.subscription_retrieve(sub.stripe_subscription_id).latest_invoice_id
    services.invoice_settle(invoice_id=invoice_id)
    services.invoice_settle(invoice_id=invoice_id)
    (charge,) = SubscriptionCharge.objects.all()
    assert (charge.amount, charge.currency, charge.invoice_id) == (3000, "CNY", invoice_id)


def test_a_declined_card_top_up_says_failed_and_nothing_charged(client, bob):
    top_up = services.top_up_start(user=bob, amount=1000, currency="CNY")
    services.top_up_pay(top_up=top_up, payment_method=card("4000000000000341"))
    (row,) = receipts.receipts_for(user=bob)
    assert row.status == "Payment failed" and not row.charged
    client.force_login(bob)
    page = client.get(reverse("payments:receipt", args=[row.key])).content.decode()
    assert "Nothing was charged for this payment." in page


def test_the_receipts_page_links_a_printable_receipt_and_a_pdf(client, bob_topped_up):
    bob = bob_topped_up
    client.force_login(bob)
    page = client.get(reverse("payments:receipts")).content.decode()
    top_up = TopUp.objects.get(user=bob)
    key = f"topup-{top_up.pk}"
    assert reverse("payments:receipt", args=[key]) in page
    detail = client.get(reverse("payments:receipt", args=[key])).content.decode()
    assert "¥200.00" in detail and "data-print" in detail
    assert reverse("payments:receipt_pdf", args=[key]) in detail


def test_the_pdf_receipt_carries_the_amount_and_the_chinese_title(
    client, bob_topped_up, alice_channel
):
    bob = bob_topped_up
    course = CourseFactory(channel=alice_channel, title="深度学习入门", price_amount=4_900)
    purchase = purchases.purchase_with_wallet(buyer=bob, course=course)
    client.force_login(bob)
    with translation.override("zh-hans"):
        response = client.get(
            reverse("payments:receipt_pdf", args=[f"purchase-{purchase.pk}"]),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "深度学习入门" in text
    assert "¥49.00" in text
    assert bob.email in text


def test_nobody_else_opens_bobs_receipts(client, bob_topped_up, charlie):
    key = f"topup-{TopUp.objects.get(user=bob_topped_up).pk}"
    client.force_login(charlie.user)
    assert client.get(reverse("payments:receipt", args=[key])).status_code == 404
    assert client.get(reverse("payments:receipt_pdf", args=[key])).status_code == 404
    for bad in ("topup-x", "nothing-1", "wallet-", "-1"):
        assert client.get(reverse("payments:receipt", args=[bad])).status_code == 404


def test_receipts_page_runs_a_fixed_number_of_queries(
    client, bob_topped_up, alice, django_assert_num_queries
):
    bob = bob_topped_up
    client.force_login(bob)
    for n in range(3):
        services.tip_send(
            tipper=bob, creator=alice.user, amount=100, currency="CNY", client_key=f"t{n}"
        )
    # session, user; top-ups, purchases, subscription charges, wallet entries (four
    # queries whatever their number); the base page's notification count.
    with django_assert_num_queries(7):
        response = client.get(reverse("payments:receipts"))
    assert len([r for r in response.context["receipts"] if r.what == "Tip"]) == 3
