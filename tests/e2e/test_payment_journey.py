"""Journeys with money in a real browser: top up the wallet by card, buy a ticket.

The card page loads localstripe's stand-in for Stripe.js from 127.0.0.1:8420 (run
scripts/localstripe.sh first); its card element is plain <input> fields, and
`stripe.createToken(card)` posts them to localstripe across origins.
"""

import contextlib
import re

import pytest
from playwright.sync_api import expect

from livestream.models import LiveSession
from payments.models import LedgerTransaction, TopUp
from tests.factories import (
    PASSWORD,
    ChannelFactory,
    CreatorFactory,
    LiveSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def console(page):
    """Everything the page logs, e.g. a CORS refusal of the calls to localstripe."""
    messages = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: messages.append(f"pageerror: {exc}"))
    return messages


@pytest.fixture
def learner(transactional_db):
    return UserFactory(email="lin@example.com", display_name="Lin")


@contextlib.contextmanager
def _with_console(console, what, page=None):
    """Fail with the page's console (and card errors) attached, not just a timeout."""
    try:
        yield
    except AssertionError as exc:
        card_errors = page.locator("#card-errors").text_content() if page else None
        raise AssertionError(f"{what}; #card-errors={card_errors!r}; console={console}") from exc


def _flash(page):
    return page.locator(".messages")


def _log_in(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()


def _top_up_by_card(page, url, *, amount: str, card_number: str, console):
    """From the wallet, start a top-up in CNY and pay it with `card_number`."""
    page.goto(url + "/wallet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wallet")
    page.fill("input[name='price']", amount)
    page.select_option("select[name='currency']", "CNY")
    page.get_by_test_id("top-up").click()

    expect(page).to_have_url(re.compile(re.escape(url) + r"/wallet/top-up/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Top up ¥{amount}.00")
    card = page.locator("#card-element")
    # localstripe's card element: mounted only if its Stripe.js loaded and ran.
    with _with_console(console, "localstripe's card element did not appear"):
        expect(card.get_by_placeholder("number", exact=True)).to_be_visible()
    card.get_by_placeholder("number", exact=True).fill(card_number)
    card.get_by_placeholder("exp_month", exact=True).fill("12")
    card.get_by_placeholder("exp_year", exact=True).fill("30")
    card.get_by_placeholder("cvc", exact=True).fill("123")
    card.get_by_placeholder("postal_code", exact=True).fill("10001")


def _pay(page, url, console):
    pay = page.get_by_test_id("pay")
    expect(pay).to_have_text(re.compile(r"Pay ¥\d+\.00"))
    pay.click()
    # createToken() goes to localstripe, then the form posts the token and we land
    # on the wallet. A blocked cross-origin call shows in #card-errors and the console.
    with _with_console(console, "the card payment did not return to the wallet", page):
        expect(page).to_have_url(url + "/wallet/")


def test_learner_tops_up_by_card_buys_a_ticket_and_gets_access(
    live_server, page, screenshot, console, learner
):
    url = live_server.url
    channel = ChannelFactory(creator=CreatorFactory(display_name="Mei Lin"))
    session = LiveSessionFactory(
        channel=channel,
        title="Async Rust, live",
        access=LiveSession.Access.TICKET,
        ticket_price_amount=990,
        ticket_currency="CNY",
    )
    session_url = f"{url}/live/{session.pk}/"

    # --- logs in and finds a ticketed session --------------------------------------------
    _log_in(page, url, learner)
    page.goto(session_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Async Rust, live")
    buy = page.get_by_test_id("buy-ticket")
    expect(buy).to_have_text("Buy a ticket for ¥9.90 from your wallet")
    expect(page.get_by_test_id("access")).to_have_count(0)

    # --- tops up the wallet by card ---------------------------------------------------------
    _top_up_by_card(page, url, amount="50", card_number="4242424242424242", console=console)
    screenshot(page, "10-card-form")
    _pay(page, url, console)
    expect(_flash(page)).to_contain_text("Your wallet was topped up with ¥50.00.")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("¥50.00")
    expect(page.locator("table.history").first).to_contain_text("Wallet top-up")
    screenshot(page, "11-wallet-topped-up")
    assert TopUp.objects.get(user=learner).status == TopUp.Status.SUCCEEDED

    # --- buys the ticket from the wallet and may watch --------------------------------------
    page.goto(session_url)
    page.get_by_test_id("buy-ticket").click()
    expect(page).to_have_url(session_url)
    expect(_flash(page)).to_contain_text("Your ticket is booked. See you there!")
    expect(page.get_by_test_id("access")).to_have_text("You can watch this session.")
    expect(page.get_by_test_id("buy-ticket")).to_have_count(0)
    screenshot(page, "12-session-access")

    page.goto(url + "/wallet/")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("¥40.10")
    # The room's socket cannot open here: the live server speaks WSGI only (the room
    # runs under a real ASGI server in test_live_room_journey.py).
    errors = [m for m in console if m.startswith(("error", "pageerror")) and "/ws/live/" not in m]
    assert not errors, console


def test_declined_card_leaves_no_money_and_says_why(
    live_server, page, screenshot, console, learner
):
    url = live_server.url
    _log_in(page, url, learner)

    # 4000 0000 0000 0341: the token is made, the charge is declined.
    _top_up_by_card(page, url, amount="50", card_number="4000000000000341", console=console)
    _pay(page, url, console)
    flash = _flash(page)
    expect(flash).to_contain_text("did not go through")
    expect(flash).to_contain_text("declined")
    expect(flash).to_contain_text("Nothing was charged.")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("¥0.00")
    screenshot(page, "13-card-declined")

    top_up = TopUp.objects.get(user=learner)
    assert top_up.status == TopUp.Status.FAILED
    assert "declined" in top_up.failure_message.lower()
    assert not LedgerTransaction.objects.exists()
