"""Paying with WeChat Pay and Alipay in a real browser, against localstripe.

WeChat Pay: the site draws the payment's QR code; the learner "scans" it with a
phone (a second, phone-sized browser page opens what the code says: localstripe's
stand-in for WeChat) and authorises; the desktop page moves on by itself once
localstripe's signed `payment_intent.succeeded` webhook has reached the site.
Alipay: the site sends the learner to Alipay's page (localstripe's stand-in), which
sends them back after they approve.
"""

import os
import re
import time

import pytest
from playwright.sync_api import expect

from marketplace.access import entitlement_check
from payments import gateway
from payments import selectors as payment_selectors
from payments.localstripe import disable_localstripe_webhook, register_localstripe_webhook
from payments.models import Purchase, StripeEvent, TopUp
from tests.e2e.test_payment_journey import _flash, _log_in
from tests.factories import ChannelFactory, CourseFactory, CreatorFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def learner(transactional_db):
    return UserFactory(email="lin@example.com", display_name="Lin")


@pytest.fixture
def webhooks(live_server):
    """localstripe posts its events to this test's live server, and only during it."""
    name = f"e2e-off-site-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    register_localstripe_webhook(f"{live_server.url}/stripe/webhook/", name=name)
    yield
    disable_localstripe_webhook(name=name)
    time.sleep(0.5)  # a delivery already on its way finishes before the flush


def test_learner_tops_up_by_scanning_the_wechat_pay_qr_code(
    live_server, page, browser, screenshot, learner, webhooks
):
    url = live_server.url
    _log_in(page, url, learner)
    page.goto(url + "/wallet/")
    page.fill("input[name='price']", "50")
    page.select_option("select[name='currency']", "CNY")
    page.get_by_test_id("top-up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Top up ¥50.00")
    screenshot(page, "60-pay-choose-method")

    page.get_by_test_id("pay-wechat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay ¥50.00 with WeChat Pay")
    qr = page.get_by_test_id("wechat-qr").locator("svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 200  # big enough to scan from the screen
    expect(page.get_by_test_id("off-site-status")).to_contain_text("Waiting for your payment")
    screenshot(page, "61-wechat-qr-code")
    top_up = TopUp.objects.get(user=learner)
    assert (top_up.status, top_up.method) == ("pending", "wechat_pay")

    # The phone reads the code (what it encodes is the PaymentIntent's QR data) and
    # the learner authorises in WeChat.
    scanned = gateway.payment_intent_retrieve(top_up.payment_intent_id).qr_code_data
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(scanned)
    expect(phone.get_by_role("heading", level=1)).to_have_text("WeChat Pay test payment")
    expect(phone.locator("body")).to_contain_text("50.00 CNY")
    phone.get_by_role("button", name="Authorize test payment").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Payment authorised")
    phone.context.close()

    # The desktop page notices the webhook's settlement and moves on by itself.
    expect(page).to_have_url(url + "/wallet/", timeout=20_000)
    expect(_flash(page)).to_contain_text("Payment confirmed. Thank you!")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("¥50.00")
    screenshot(page, "62-wechat-paid")
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").exists()
    assert payment_selectors.wallet_balance(user=learner, currency="CNY") == 5000


def test_learner_cancels_a_qr_code_and_nothing_is_charged(live_server, page, learner):
    url = live_server.url
    _log_in(page, url, learner)
    page.goto(url + "/wallet/")
    page.fill("input[name='price']", "20")
    page.get_by_test_id("top-up").click()
    page.get_by_test_id("pay-wechat").click()
    expect(page.get_by_test_id("wechat-qr")).to_be_visible()

    page.get_by_test_id("cancel-payment").click()

    expect(page).to_have_url(url + "/wallet/")
    expect(_flash(page)).to_contain_text("Payment cancelled. Nothing was charged.")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("¥0.00")
    assert TopUp.objects.get(user=learner).status == TopUp.Status.FAILED


def test_learner_buys_a_course_with_alipay(live_server, page, screenshot, learner, webhooks):
    url = live_server.url
    course = CourseFactory(
        channel=ChannelFactory(creator=CreatorFactory(display_name="Mei Lin")),
        title="Tea, from leaf to cup",
        price_amount=29900,
        currency="CNY",
    )
    _log_in(page, url, learner)
    page.goto(url + course.get_absolute_url())
    page.get_by_test_id("buy-card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buy “Tea, from leaf to cup”")

    page.get_by_test_id("pay-alipay").click()

    # Off to Alipay's page (localstripe's stand-in), which shows what is being paid.
    expect(page.get_by_role("heading", level=1)).to_have_text("Alipay test payment")
    expect(page).to_have_url(re.compile(r"/_test/wallet_payments/pi_"))
    expect(page.locator("body")).to_contain_text("299.00 CNY")
    screenshot(page, "63-alipay-page")
    page.get_by_role("button", name="Authorize test payment").click()

    # Back on the course, bought.
    expect(page).to_have_url(url + course.get_absolute_url())
    expect(_flash(page)).to_contain_text("Payment confirmed. Thank you!")
    screenshot(page, "64-alipay-paid")
    purchase = Purchase.objects.get(buyer=learner)
    assert (purchase.status, purchase.method) == ("paid", "alipay")
    assert entitlement_check(user=learner, course=course)
