"""Journeys through the site in a real browser: sign up, become a creator, get found."""

import re

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from tests.factories import ChannelFactory, CreatorFactory, TierFactory

pytestmark = pytest.mark.e2e

EMAIL = "mei@example.com"
PASSWORD = "Tea-leaves-and-4-moons"
CHANNEL_TITLE = "Rust for Data Engineers"


def _confirmation_link(email: str) -> str:
    messages = [m for m in mail.outbox if email in m.to]
    assert len(messages) == 1, [m.subject for m in mail.outbox]
    assert "Confirm" in messages[0].subject
    match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", messages[0].body)
    assert match, messages[0].body
    return match.group(0)


def _flash(page):
    return page.locator(".messages")


def test_new_user_signs_up_becomes_creator_and_visitor_finds_channel(live_server, page, screenshot):
    url = live_server.url

    # --- a visitor arrives and signs up ----------------------------------------------
    page.goto(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learn live from people who know")
    screenshot(page, "01-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(url + "/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    screenshot(page, "02-signup")
    page.locator("main").get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(url + "/accounts/confirm-email/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")

    # --- confirms the address from the e-mail and is logged in ---------------------------
    page.goto(_confirmation_link(EMAIL))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(url + "/")
    expect(_flash(page)).to_contain_text(f"You have confirmed {EMAIL}.")
    expect(page.get_by_test_id("nav-profile")).to_be_visible()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()

    # --- becomes a creator -------------------------------------------------------------
    page.get_by_test_id("nav-profile").click()
    expect(page).to_have_url(url + "/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    page.get_by_test_id("become-creator").click()
    expect(page).to_have_url(url + "/studio/become-creator/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Become a creator")
    page.fill("#id_display_name", "Mei Lin")
    page.fill("#id_headline", "Data engineer, 8 years of pipelines")
    page.fill("#id_bio", "I build streaming data platforms and teach Rust to Python people.")
    page.fill("#id_topics", "Rust, 数据工程")
    page.get_by_role("button", name="Create my creator profile").click()

    expect(page).to_have_url(url + "/studio/channels/new/")
    expect(_flash(page)).to_contain_text("Welcome, creator! Now create your first channel.")
    expect(page.get_by_role("heading", level=1)).to_have_text("New channel")

    # --- creates a published channel ------------------------------------------------------
    page.fill("#id_title", CHANNEL_TITLE)
    page.fill("#id_tagline", "Fast, safe pipelines without the GC pauses")
    page.select_option("#id_category", label="Technology")
    page.check("input[name='status'][value='published']")
    page.get_by_role("button", name="Create channel").click()

    expect(page).to_have_url(re.compile(re.escape(url) + r"/studio/channels/[\w-]+/$"))
    expect(_flash(page)).to_contain_text("Channel created. Add a subscription tier next.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit channel")
    expect(page.locator("#id_title")).to_have_value(CHANNEL_TITLE)
    expect(page.locator("input[name='status'][value='published']")).to_be_checked()
    channel_edit_url = page.url
    screenshot(page, "03-channel-edit")

    # --- adds a tier: a negative price is refused next to the price field ----------------
    page.get_by_role("link", name="Add a tier").click()
    expect(page).to_have_url(channel_edit_url + "tiers/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New tier")
    page.fill("#id_name", "Monthly")
    page.fill("#id_price", "-5")
    page.select_option("#id_currency", "CNY")
    page.fill("#id_benefits", "Live Q&A every week\nSession replays")
    page.get_by_role("button", name="Add tier").click()

    price_field = page.locator("#id_price").locator("xpath=..")
    expect(price_field.locator(".errorlist")).to_have_text(
        "Ensure this value is greater than or equal to 0.01."
    )
    expect(page.locator("#id_price")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".errorlist")).to_have_count(1)
    expect(page.locator("#id_name")).to_have_value("Monthly")
    screenshot(page, "04-tier-form-validation-error")

    page.fill("#id_price", "30")
    page.get_by_role("button", name="Add tier").click()
    expect(page).to_have_url(channel_edit_url)
    expect(_flash(page)).to_contain_text("Tier “Monthly” added.")
    expect(page.get_by_role("listitem").filter(has_text="Monthly")).to_contain_text("¥30.00")

    # --- the studio dashboard lists the channel and its tier -------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Creator studio").click()
    expect(page).to_have_url(url + "/studio/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Creator studio")
    studio_channel = page.locator(".studio-channel").filter(has_text=CHANNEL_TITLE)
    expect(studio_channel).to_contain_text("Published")
    expect(studio_channel).to_contain_text("Monthly · ¥30.00")
    screenshot(page, "05-studio-dashboard")

    # --- logs out ---------------------------------------------------------------------
    page.get_by_test_id("nav-logout").click()
    expect(page).to_have_url(url + "/")
    expect(_flash(page)).to_contain_text("You have signed out.")
    expect(page.get_by_test_id("nav-profile")).to_have_count(0)

    # --- an anonymous visitor finds the channel in the catalogue ------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    expect(page).to_have_url(url + "/catalogue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    page.fill("#id_q", CHANNEL_TITLE)
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"/catalogue/\?.*q=Rust\+for\+Data\+Engineers"))
    expect(page.locator(".results")).to_contain_text("1 result")
    card = page.get_by_test_id("channel-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(CHANNEL_TITLE)
    expect(card).to_contain_text("by Mei Lin")
    expect(card).to_contain_text("from ¥30.00/month")
    screenshot(page, "06-catalogue-results")

    card.get_by_role("link", name=CHANNEL_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(url) + r"/c/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(CHANNEL_TITLE)
    expect(page.locator("main")).to_contain_text("Hosted by Mei Lin")
    tier = page.get_by_test_id("tier")
    expect(tier).to_have_count(1)
    expect(tier.get_by_role("heading")).to_have_text("Monthly")
    expect(tier.locator(".price")).to_contain_text("¥30.00")
    expect(tier).to_contain_text("Live Q&A every week")
    expect(page.get_by_role("link", name="Edit channel")).to_have_count(0)
    screenshot(page, "07-channel-page")


def test_catalogue_and_home_in_chinese(live_server, page, screenshot):
    creator = CreatorFactory(display_name="王老师")
    for title in ("Python 入门", "量化投资实战", "Go 并发编程"):
        TierFactory(channel=ChannelFactory(creator=creator, title=title), price_amount=3000)
    with translation.override("zh-hans"):
        # Whatever the catalogue says today: untranslated strings fall back to English.
        catalogue_label = translation.gettext("Catalogue")
        channels_heading = translation.gettext("Channels")

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#language-select", "zh-hans")  # the form submits on change

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("#language-select")).to_have_value("zh-hans")
    expect(page.locator("#language-select option:checked")).to_have_text("简体中文")
    nav = page.get_by_role("navigation").first
    expect(nav.locator("a[href='/catalogue/']").first).to_have_text(catalogue_label)
    expect(page.get_by_role("heading", level=2, name=channels_heading)).to_be_visible()
    expect(page.get_by_test_id("channel-card")).to_have_count(3)
    expect(page.get_by_test_id("channel-card").first).to_contain_text("¥30.00")
    expect(page.get_by_test_id("channel-card").first.locator(".badge")).to_have_text("科技")
    screenshot(page, "08-home-zh-hans")

    # The choice sticks: the catalogue is in Chinese too.
    nav.locator("a[href='/catalogue/']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue_label)
    expect(page.get_by_test_id("channel-card")).to_have_count(3)
    screenshot(page, "09-catalogue-zh-hans")
