"""Buying in a currency the wallet does not hold: the course page says why the
wallet cannot pay and offers a top-up in that currency that buys the course once it
is paid, in one step. Against localstripe; wallet money is never converted."""

import pytest
from django.urls import reverse

from core.money import format_money
from marketplace.access import entitlement_check
from payments import ledger, services
from payments.models import LedgerAccount, Purchase, TopUp
from tests.factories import CourseFactory
from tests.payments.test_card_payments import card

Kind = LedgerAccount.Kind


@pytest.fixture
def bob_holds_yuan(bob):
    services.wallet_top_up_credit(user=bob, amount=10_000, currency="CNY", payment_intent_id="pi_y")
    return bob


def _wallet(user, currency):
    return ledger.balance(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=user))


def _pay(client, response, number="4242424242424242"):
    """Follow the top-up's card page as the browser would, then its `next`."""
    assert response.status_code == 302 and "/wallet/top-up/" in response.url
    paid = client.post(response.url, {"payment_method": card(number)})
    assert paid.status_code == 302
    return client.get(paid.url, follow=True)


def test_a_price_in_a_currency_the_wallet_lacks_is_topped_up_and_bought_in_one_step(
    client, bob_holds_yuan
):
    bob = bob_holds_yuan
    course = CourseFactory(price_amount=990, currency="USD", title="Go in English")
    client.force_login(bob)
    page = client.get(course.get_absolute_url()).content.decode()
    assert "priced in USD and your wallet holds no USD (it holds ¥100.00)" in page
    assert f"Top up {format_money(990, 'USD')} and buy" in page

    started = client.post(reverse("payments:course_top_up_buy", args=[course.slug]))
    top_up = TopUp.objects.get(user=bob)
    assert (top_up.amount, top_up.currency, top_up.status) == (990, "USD", "pending")
    done = _pay(client, started).content.decode()

    assert "You bought “Go in English”" in done
    assert entitlement_check(user=bob, course=course)
    assert Purchase.objects.get(buyer=bob).status == Purchase.Status.PAID
    assert _wallet(bob, "USD") == 0 and _wallet(bob, "CNY") == 10_000  # nothing converted
    assert ledger.balance(ledger.account_get(kind=Kind.STRIPE_CLEARING, currency="USD")) == -990


def test_a_small_shortfall_tops_up_the_smallest_amount_and_keeps_the_rest(client, bob, settings):
    settings.PAYMENTS_MIN_TOP_UP = 500
    services.wallet_top_up_credit(user=bob, amount=700, currency="USD", payment_intent_id="pi_u")
    course = CourseFactory(price_amount=990, currency="USD")
    client.force_login(bob)
    page = client.get(course.get_absolute_url()).content.decode()
    assert f"Your wallet holds {format_money(700, 'USD')}; {format_money(290, 'USD')} more" in page
    assert "The smallest top-up is" in page
    _pay(client, client.post(reverse("payments:course_top_up_buy", args=[course.slug])))
    assert entitlement_check(user=bob, course=course)
    assert _wallet(bob, "USD") == 700 + 500 - 990


def test_a_declined_top_up_buys_nothing(client, bob):
    course = CourseFactory(price_amount=990, currency="USD")
    client.force_login(bob)
    started = client.post(reverse("payments:course_top_up_buy", args=[course.slug]))
    done = _pay(client, started, number="4000000000000341").content.decode()
    assert "did not go through" in done
    assert not entitlement_check(user=bob, course=course)
    assert not Purchase.objects.exists() and _wallet(bob, "USD") == 0


def test_a_wallet_that_can_pay_gets_the_plain_buy_button(client, bob):
    services.wallet_top_up_credit(user=bob, amount=990, currency="USD", payment_intent_id="pi_z")
    course = CourseFactory(price_amount=990, currency="USD")
    client.force_login(bob)
    page = client.get(course.get_absolute_url()).content.decode()
    assert 'data-testid="buy"' in page and "wallet-shortfall" not in page


def test_a_link_to_the_landing_page_buys_nothing_it_did_not_start(client, bob):
    """The landing page is a GET: a paid top-up is spent only on the course whose
    checkout started it, once."""
    dear = CourseFactory(price_amount=990, currency="USD", slug="dear")
    other = CourseFactory(price_amount=500, currency="USD", slug="other")
    client.force_login(bob)
    _pay(client, client.post(reverse("payments:course_top_up_buy", args=[dear.slug])))
    assert entitlement_check(user=bob, course=dear)
    services.wallet_top_up_credit(user=bob, amount=500, currency="USD", payment_intent_id="pi_o")
    top_up = TopUp.objects.get(user=bob)
    client.get(reverse("payments:course_buy_after_top_up", args=[other.slug, top_up.pk]))
    assert not entitlement_check(user=bob, course=other) and _wallet(bob, "USD") == 500


def test_someone_elses_top_up_does_not_buy_for_you(client, bob, charlie):
    course = CourseFactory(price_amount=990, currency="USD")
    client.force_login(bob)
    client.post(reverse("payments:course_top_up_buy", args=[course.slug]))
    top_up = TopUp.objects.get(user=bob)
    client.force_login(charlie.user)
    url = reverse("payments:course_buy_after_top_up", args=[course.slug, top_up.pk])
    assert client.get(url).status_code == 404
