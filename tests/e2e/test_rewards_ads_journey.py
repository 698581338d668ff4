"""Coupons and sponsored listings in a real browser.

A creator makes a code, a learner buys with it through the share link, the receipt
and the creator's earnings show the discount; the creator runs a campaign, a
moderator approves it, a learner sees it labelled on the home page, the beacon
counts the impression and the creator sees it on the campaign page.
"""

import re

import pytest
from playwright.sync_api import expect

from ads import services as ad_services
from ads.models import Campaign, Delivery
from moderation import services as moderation_services
from moderation.models import ReviewItem
from payments import services as payment_services
from tests.factories import PASSWORD, ChannelFactory, CourseFactory, CreatorFactory, UserFactory

pytestmark = pytest.mark.e2e


def _log_in(page, url, user):
    page.context.clear_cookies()
    page.goto(url + "/accounts/login/")
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()


@pytest.fixture
def shop(transactional_db):
    alice = CreatorFactory(user__email="alice@example.com", display_name="Alice")
    channel = ChannelFactory(creator=alice, title="Alice's Python Lab", slug="alice-lab")
    course = CourseFactory(
        channel=channel, title="Python from zero", price_amount=10_000, currency="CNY"
    )
    learner = UserFactory(email="lin@example.com", display_name="Lin")
    payment_services.wallet_top_up_credit(
        user=learner, amount=50_000, currency="CNY", payment_intent_id="pi-lin"
    )
    return alice, course, learner


def test_creator_code_learner_buys_receipt_and_earnings_show_the_discount(
    live_server, page, shop, screenshot
):
    alice, course, learner = shop
    url = live_server.url
    _log_in(page, url, alice.user)
    page.goto(url + "/studio/")
    page.get_by_test_id("studio-coupons").click()
    form = page.get_by_test_id("coupon-create")
    form.locator("input[name='code']").fill("SPRING20")
    form.locator("select[name='kind']").select_option("percent")
    form.locator("input[name='percent_off']").fill("20")
    form.locator("select[name='applies_to']").select_option(f"course:{course.pk}")
    form.locator("input[name='max_redemptions']").fill("10")
    page.get_by_test_id("coupon-save").click()
    expect(page.get_by_test_id("coupon-code")).to_have_text("SPRING20")
    share = page.get_by_test_id("coupon-share").input_value()
    assert share.endswith("?code=SPRING20")
    screenshot(page, "coupons-studio")

    _log_in(page, url, learner)
    page.goto(share)
    expect(page.get_by_test_id("coupon-ok")).to_contain_text("¥80.00")
    expect(page.get_by_test_id("buy")).to_contain_text("¥80.00")
    page.get_by_test_id("buy").click()
    expect(page.get_by_test_id("access")).to_be_visible()
    page.goto(url + "/wallet/")
    expect(page.get_by_test_id("wallet-balance")).to_contain_text("¥420.00")
    expect(page.get_by_test_id("receipt-discount")).to_contain_text("SPRING20")
    expect(page.get_by_test_id("receipt-discount")).to_contain_text("¥100.00")
    expect(page.get_by_test_id("receipt-discount")).to_contain_text("the creator")
    screenshot(page, "coupons-receipt")

    _log_in(page, url, alice.user)
    page.goto(url + "/earnings/")
    expect(page.get_by_test_id("earnings-balance")).to_contain_text("¥64.00")  # 80 - 20% fee
    sales = page.get_by_test_id("coupon-sales")
    expect(sales).to_contain_text("SPRING20")
    expect(sales).to_contain_text("¥20.00")
    screenshot(page, "coupons-earnings")


def test_creator_runs_a_campaign_and_sees_its_impressions(
    live_server, page, shop, screenshot, settings
):
    # Logging in lands on the home page too: room for every showing in this journey.
    settings.ADS_FREQUENCY_CAP = 10
    alice, course, learner = shop
    payment_services.wallet_top_up_credit(
        user=alice.user, amount=20_000, currency="CNY", payment_intent_id="pi-alice"
    )
    moderator = UserFactory(email="mod@example.com", is_staff=True, is_superuser=True)
    url = live_server.url
    _log_in(page, url, alice.user)
    page.goto(url + "/studio/")
    page.get_by_test_id("studio-campaigns").click()
    form = page.get_by_test_id("campaign-create")
    form.locator("select[name='promote']").select_option(f"course:{course.pk}")
    form.locator("input[name='headline']").fill("Learn Python live with Alice")
    form.locator("select[name='bid']").select_option("cpm")
    form.locator("input[name='bid_price']").fill("50")
    form.locator("input[name='daily_budget_price']").fill("20")
    form.locator("input[name='budget_price']").fill("100")
    form.locator("select[name='funded_from']").select_option("wallet")
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Waiting for review")
    campaign = Campaign.objects.get()

    item = ReviewItem.objects.get(object_id=campaign.pk, content_type__model="campaign")
    moderation_services.review_approve(item=item, moderator=moderator)

    _log_in(page, url, learner)
    page.goto(url + "/")
    card = page.get_by_test_id("sponsored").first
    expect(card).to_be_visible()
    expect(card.get_by_test_id("sponsored-label")).to_have_text("Sponsored / 推广")
    card.scroll_into_view_if_needed()
    # Half visible for one second, then the beacon is sent and answered.
    expect(card).to_have_attribute("data-beacon-status", "200", timeout=8000)
    assert Delivery.objects.filter(kind="impression", campaign=campaign).count() == 1
    screenshot(page, "sponsored-home")
    page.goto(url + "/catalogue/")
    expect(page.get_by_test_id("sponsored").first).to_contain_text("推广")

    ad_services.campaigns_charge()
    _log_in(page, url, alice.user)
    page.goto(url + f"/studio/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("campaign-impressions")).to_have_text("1")
    expect(page.get_by_test_id("campaign-status")).to_have_text("Running")
    expect(page.get_by_test_id("campaign-chart")).to_be_visible()
    assert re.search(r"¥0\.0[0-9]", page.get_by_test_id("campaign-spend").inner_text())
    screenshot(page, "sponsored-stats")
