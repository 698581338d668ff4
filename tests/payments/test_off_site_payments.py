"""WeChat Pay and Alipay through localstripe: the payer decides on the page the QR code
or the Alipay redirect points at (localstripe's stand-in for the phone and for
Alipay), and localstripe's signed `payment_intent.*` webhooks alone settle the
payment: nothing here calls the settlement service directly."""

import os
import time
import urllib.error
import urllib.request

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace import purchases
from marketplace.access import entitlement_check
from payments import gateway, services
from payments import selectors as payment_selectors
from payments.localstripe import disable_localstripe_webhook, register_localstripe_webhook
from payments.models import LedgerTransaction, Purchase, StripeEvent, TopUp
from tests.factories import CourseFactory, UserFactory
from tests.payments.test_localstripe_webhooks import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

RETURN_URL = "http://127.0.0.1:9/payments/return/"


@pytest.fixture
def webhooks_to_live_server(live_server):
    """Deliveries to this worker's live server for this test only (a name of its own,
    so that the other pytest worker's registration does not replace it)."""
    name = f"off-site-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    register_localstripe_webhook(f"{live_server.url}/stripe/webhook/", name=name)
    yield live_server
    disable_localstripe_webhook(name=name)
    time.sleep(0.5)  # a delivery already on its way finishes before the flush


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def payer_decides(url: str, decision: str) -> tuple[int, str]:
    """What the payer's phone (WeChat) or Alipay's page does: POST the decision to
    the page the QR code or redirect names. Returns (status, Location)."""
    request = urllib.request.Request(url, data=f"decision={decision}".encode(), method="POST")
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=5) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def test_wechat_top_up_waits_for_the_scan_and_the_webhook_credits_the_wallet(
    webhooks_to_live_server,
):
    bob = UserFactory()
    top_up = services.top_up_start(user=bob, amount=3000, currency="CNY")

    top_up = services.top_up_pay_off_site(top_up=top_up, method="wechat_pay", return_url=RETURN_URL)

    assert top_up.status == TopUp.Status.PENDING
    assert top_up.method == TopUp.Method.WECHAT_PAY
    intent = gateway.payment_intent_retrieve(top_up.payment_intent_id)
    assert intent.status == "requires_action"
    assert intent.qr_code_data and not intent.redirect_url
    time.sleep(1)  # nothing is credited before the payer scans
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0

    assert payer_decides(intent.qr_code_data, "authorize")[0] == 200

    assert wait_for(lambda: payment_selectors.wallet_balance(user=bob, currency="CNY") == 3000)
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.SUCCEEDED
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").exists()


def test_alipay_ticket_refused_on_alipay_fails_with_the_reason_and_gives_no_access(
    webhooks_to_live_server,
):
    bob = UserFactory()
    course = CourseFactory(price_amount=9900, currency="CNY")

    purchase = purchases.purchase_off_site(
        buyer=bob, method="alipay", return_url=RETURN_URL, course=course
    )

    assert purchase.status == Purchase.Status.PENDING
    assert purchase.method == Purchase.Method.ALIPAY
    intent = gateway.payment_intent_retrieve(purchase.payment_intent_id)
    assert intent.redirect_url and not intent.qr_code_data
    status, location = payer_decides(intent.redirect_url, "fail")
    # Alipay sends the payer back where the site asked, as Stripe does.
    assert status == 302
    assert location.startswith(RETURN_URL + "?payment_intent=" + purchase.payment_intent_id)
    assert "redirect_status=failed" in location

    assert wait_for(lambda: Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.FAILED)
    purchase.refresh_from_db()
    assert "did not authorise" in purchase.failure_message
    assert not entitlement_check(user=bob, course=course)
    assert not LedgerTransaction.objects.exists()


def test_alipay_ticket_approved_grants_the_course(webhooks_to_live_server):
    bob = UserFactory()
    course = CourseFactory(price_amount=9900, currency="CNY")
    purchase = purchases.purchase_off_site(
        buyer=bob, method="alipay", return_url=RETURN_URL, course=course
    )
    # A second click while Alipay waits resumes the same payment.
    again = purchases.purchase_off_site(
        buyer=bob, method="alipay", return_url=RETURN_URL, course=course
    )
    assert again.pk == purchase.pk

    intent = gateway.payment_intent_retrieve(purchase.payment_intent_id)
    status, location = payer_decides(intent.redirect_url, "authorize")
    assert status == 302 and "redirect_status=succeeded" in location

    assert wait_for(lambda: entitlement_check(user=bob, course=course))
    assert Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.PAID


def test_a_cancelled_qr_code_can_no_longer_be_paid():
    bob = UserFactory()
    top_up = services.top_up_start(user=bob, amount=3000, currency="CNY")
    top_up = services.top_up_pay_off_site(top_up=top_up, method="wechat_pay", return_url=RETURN_URL)
    qr = gateway.payment_intent_retrieve(top_up.payment_intent_id).qr_code_data

    cancelled = services.off_site_payment_cancel(payment_intent_id=top_up.payment_intent_id)

    assert cancelled.status == TopUp.Status.FAILED
    assert "cancelled" in cancelled.failure_message
    status, _location = payer_decides(qr, "authorize")
    assert status == 400
    assert gateway.payment_intent_retrieve(top_up.payment_intent_id).status == "canceled"
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0


def test_a_currency_the_method_does_not_take_is_refused_with_stripe_reason():
    with pytest.raises(gateway.PaymentNotStarted, match="does not accept payments in KRW"):
        gateway.off_site_payment_start(
            method="wechat_pay",
            amount=1000,
            currency="KRW",
            metadata={},
            return_url=RETURN_URL,
            idempotency_key=f"krw-{time.time_ns()}",
        )


def test_an_unknown_method_is_refused_and_nothing_changes():
    bob = UserFactory()
    top_up = services.top_up_start(user=bob, amount=3000, currency="CNY")
    with pytest.raises(ValidationError, match="WeChat Pay or Alipay"):
        services.top_up_pay_off_site(top_up=top_up, method="paypal", return_url=RETURN_URL)
    top_up.refresh_from_db()
    assert (top_up.status, top_up.payment_intent_id) == (TopUp.Status.PENDING, None)


def test_wechat_page_shows_a_qr_code_to_the_payer_only(client):
    bob, charlie = UserFactory(), UserFactory()
    top_up = services.top_up_start(user=bob, amount=3000, currency="CNY")
    client.force_login(bob)
    response = client.post(
        reverse("payments:top_up_pay", args=[top_up.pk]), {"method": "wechat_pay"}
    )
    top_up.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("payments:off_site", args=[top_up.payment_intent_id])
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<svg" in page.content and b"Pay \xc2\xa530.00 with WeChat Pay" in page.content
    status = client.get(reverse("payments:off_site_status", args=[top_up.payment_intent_id]))
    assert status.json() == {"status": "pending", "done": False}

    client.force_login(charlie)
    for name in ("payments:off_site", "payments:off_site_status"):
        assert client.get(reverse(name, args=[top_up.payment_intent_id])).status_code == 404
    assert client.get(reverse("payments:off_site_return")).status_code == 404
