"""A paid question in a real browser: find an expert by typing the question, see the
quote line by line, pay from the wallet, the expert answers, the learner reads and
rates it, and a second learner unlocks the public answer.

Wallets are funded through payments' top-up service (the card top-up itself is
driven by test_payment_journey.py); everything else goes through the pages.
"""

import re

import pytest
from playwright.sync_api import expect

from marketplace.models import Tag
from payments import selectors as money
from payments import services as payment_services
from payments.models import LedgerAccount
from qa import matching
from qa import services as qa_services
from qa.models import Question
from tests.factories import PASSWORD, CreatorFactory, UserFactory

pytestmark = pytest.mark.e2e
Kind = LedgerAccount.Kind


def _context_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _log_in(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()


def _fund(user, amount, key):
    payment_services.wallet_top_up_credit(
        user=user, amount=amount, currency="CNY", payment_intent_id=key
    )


def test_learner_finds_expert_pays_gets_answer_rates_and_another_unlocks(
    live_server, browser, screenshot, settings
):
    settings.QA_INDEX_MIN_REBUILD_SECONDS = 0
    settings.QA_INDEX_REBUILD_IN_BACKGROUND = False
    matching.index_reset()
    url = live_server.url
    profile = CreatorFactory(
        display_name="Dr. Wu", bio="Database tuning and Django ORM performance."
    )
    profile.topics.add(Tag.objects.create(name="Django", slug="django"))
    expert = profile.user
    qa_services.expert_settings_update(
        user=expert, enabled=True, base_price=2000, currency="CNY", answer_hours=48
    )
    lin = UserFactory(email="lin@example.com", display_name="Lin")
    _fund(lin, 5000, "pi_lin")
    mo = UserFactory(email="mo@example.com", display_name="Mo")
    _fund(mo, 1000, "pi_mo")

    # --- Lin types a question and finds the expert with a quote ----------------------
    lin_ctx, page = _context_page(browser)
    _log_in(page, url, lin)
    page.get_by_test_id("nav-ask").click()
    page.get_by_test_id("qa-search").fill("Why is my Django ORM query slow on a big table?")
    page.get_by_test_id("qa-search-submit").click()
    card = page.get_by_test_id("qa-expert").first
    expect(card).to_contain_text("Dr. Wu")
    expect(card.get_by_test_id("qa-expert-price")).to_have_text("Standard answer: ¥20.00")
    screenshot(page, "qa-10-matching-experts")
    card.get_by_test_id("qa-ask-expert").click()

    # --- asks in depth, sees the breakdown, pays from the wallet ----------------------
    expect(page.locator("#id_text")).to_have_value(
        "Why is my Django ORM query slow on a big table?"
    )
    page.select_option("select[name='difficulty']", "in_depth")
    page.get_by_test_id("qa-get-quote").click()
    breakdown = page.get_by_test_id("qa-quote-breakdown")
    expect(breakdown).to_contain_text("Expert's base price")
    expect(breakdown).to_contain_text("Difficulty factor")
    expect(breakdown).to_contain_text("x1.50")
    screenshot(page, "qa-11-quote")
    page.get_by_test_id("qa-pay").click()
    expect(page.locator(".messages")).to_contain_text("Paid ¥30.00")
    expect(page.get_by_test_id("qa-status")).to_have_text("Waiting for the answer")
    question = Question.objects.get()
    assert money.wallet_balance(user=lin, currency="CNY") == 2000
    assert money.account_balance(user=lin, kind=Kind.ESCROW, currency="CNY") == 3000

    # --- the expert answers from the queue ---------------------------------------------
    expert_ctx, expert_page = _context_page(browser)
    _log_in(expert_page, url, expert)
    expert_page.goto(url + "/studio/questions/")
    expect(expert_page.get_by_test_id("qa-queue-item")).to_contain_text("ORM query slow")
    expert_page.get_by_test_id("qa-answer-link").click()
    expert_page.fill("#id_text", "Add an index on the filtered column; EXPLAIN it.")
    expert_page.get_by_test_id("qa-send-answer").click()
    expect(expert_page.locator(".messages")).to_contain_text("the payment is in your earnings")
    screenshot(expert_page, "qa-12-answered")
    assert money.earnings_balance(user=expert, currency="CNY") == 2400  # 3000 - 20 %

    # --- Lin reads the answer and rates it ------------------------------------------------
    page.goto(url + question.get_absolute_url())
    expect(page.get_by_test_id("qa-answer")).to_contain_text("Add an index")
    page.select_option("select[name='rating']", "5")
    page.fill("textarea[name='comment']", "Exactly what I needed")
    page.get_by_test_id("qa-rate").click()
    expect(page.get_by_test_id("qa-rating")).to_contain_text("Rated 5/5")
    screenshot(page, "qa-13-rated")

    # --- Mo finds the answered question and unlocks it --------------------------------------
    mo_ctx, mo_page = _context_page(browser)
    _log_in(mo_page, url, mo)
    mo_page.goto(url + "/ask/")
    mo_page.get_by_test_id("qa-search").fill("slow Django ORM query")
    mo_page.get_by_test_id("qa-search-submit").click()
    similar = mo_page.get_by_test_id("qa-similar").first
    expect(similar).to_contain_text("Read the answer for ¥1.00")
    similar.get_by_role("link").click()
    expect(mo_page.get_by_test_id("qa-locked")).to_be_visible()
    mo_page.get_by_test_id("qa-unlock").click()
    expect(mo_page.get_by_test_id("qa-answer")).to_contain_text("Add an index")
    expect(mo_page).to_have_url(re.compile(rf"/questions/{question.pk}/$"))
    screenshot(mo_page, "qa-14-unlocked")
    # ¥1.00: platform 0.20, then 0.40 to the expert and 0.40 to Lin.
    assert money.wallet_balance(user=mo, currency="CNY") == 900
    assert money.earnings_balance(user=expert, currency="CNY") == 2440
    assert money.wallet_balance(user=lin, currency="CNY") == 2040
    for ctx in (lin_ctx, expert_ctx, mo_ctx):
        ctx.close()
