"""Wallet, top-up, tip, purchase and earnings pages."""

import pytest

from payments import selectors as payment_selectors
from payments import services
from payments.models import Purchase, Tip, TopUp
from tests.factories import CourseFactory
from tests.payments.test_card_payments import card


def test_wallet_page_shows_balance_history_and_receipts(client, bob):
    services.wallet_top_up_credit(user=bob, amount=12_345, currency="CNY", payment_intent_id="p")
    client.force_login(bob)
    page = client.get("/wallet/").content.decode()
    assert "¥123.45" in page and "Wallet top-up" in page


def test_top_up_by_card_through_the_pages(client, bob):
    client.force_login(bob)
    response = client.post("/wallet/top-up/", {"price": "50", "currency": "CNY"})
    top_up = TopUp.objects.get(user=bob)
    assert response.url == f"/wallet/top-up/{top_up.pk}/"
    form = client.get(response.url).content.decode()
    assert "js.stripe.com/v3/" in form and "card-payment.js" in form
    done = client.post(response.url, {"payment_method": card("4242424242424242")}, follow=True)
    assert "Your wallet was topped up with ¥50.00." in done.content.decode()
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 5000


def test_declined_card_is_explained_on_the_wallet_page(client, bob):
    client.force_login(bob)
    response = client.post("/wallet/top-up/", {"price": "50", "currency": "CNY"})
    done = client.post(response.url, {"payment_method": card("4000000000000341")}, follow=True)
    page = done.content.decode()
    assert "did not go through" in page and "declined" in page
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 0


@pytest.mark.parametrize("price", ["0", "-5", "abc", "1.234", "99999999"])
def test_bad_top_up_amounts_are_refused(client, bob, price):
    client.force_login(bob)
    response = client.post("/wallet/top-up/", {"price": price, "currency": "CNY"}, follow=True)
    assert response.status_code == 200
    assert not TopUp.objects.exists()
    assert response.context["messages"]


def test_someone_elses_top_up_is_404(client, bob, charlie):
    top_up = services.top_up_start(user=bob, amount=1000, currency="CNY")
    client.force_login(charlie.user)
    assert client.get(f"/wallet/top-up/{top_up.pk}/").status_code == 404


def test_tip_from_the_channel_page(client, bob, alice_channel):
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="p")
    client.force_login(bob)
    page = client.get(f"/c/{alice_channel.slug}/").content.decode()
    assert "Send tip" in page
    data = {"price": "10", "currency": "CNY", "message": "Thanks!", "client_key": "abc"}
    client.post(f"/c/{alice_channel.slug}/tip/", data)
    client.post(f"/c/{alice_channel.slug}/tip/", data)  # double click
    assert Tip.objects.get().message == "Thanks!"
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 4000


def test_tip_without_money_says_so(client, bob, alice_channel):
    client.force_login(bob)
    response = client.post(
        f"/c/{alice_channel.slug}/tip/",
        {"price": "10", "currency": "CNY", "client_key": "k"},
        follow=True,
    )
    assert "does not hold enough" in response.content.decode()
    assert not Tip.objects.exists()


def test_buy_a_course_from_its_page(client, bob, alice_channel):
    course = CourseFactory(channel=alice_channel, price_amount=3000)
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="p")
    client.force_login(bob)
    assert "Buy for ¥30.00" in client.get(f"/courses/{course.slug}/").content.decode()
    page = client.post(f"/courses/{course.slug}/buy/", follow=True).content.decode()
    assert "You have access to this course." in page
    assert Purchase.objects.get().status == Purchase.Status.PAID


def test_earnings_page_with_chart_and_payout_request(client, alice, bob, settings):
    settings.PAYMENTS_MIN_PAYOUT = 100
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="p")
    services.tip_send(tipper=bob, creator=alice.user, amount=2000, currency="CNY", client_key="t")
    client.force_login(alice.user)
    page = client.get("/earnings/").content.decode()
    assert 'data-testid="earnings-chart"' in page and "<rect" in page
    response = client.post("/earnings/", {"price": "5", "currency": "CNY"})
    assert response.status_code == 302
    too_much = client.post("/earnings/", {"price": "5000", "currency": "CNY"})
    assert "at most your available earnings" in too_much.content.decode()
    filtered = client.get("/earnings/", {"kind": "tip", "since": "not-a-date"})
    assert filtered.status_code == 200


def test_money_pages_need_login(client, db):
    for url in ["/wallet/", "/earnings/"]:
        assert client.get(url).status_code == 302


def test_pay_for_a_ticketed_session_by_card(client, bob, alice_channel):
    from livestream.models import LiveSession
    from tests.factories import LiveSessionFactory

    session = LiveSessionFactory(
        channel=alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=990,
        ticket_currency="CNY",
    )
    client.force_login(bob)
    assert f"/live/{session.pk}/ticket/card/" in client.get(f"/live/{session.pk}/").content.decode()
    form = client.get(f"/live/{session.pk}/ticket/card/").content.decode()
    assert "Pay ¥9.90" in form
    done = client.post(
        f"/live/{session.pk}/ticket/card/",
        {"payment_method": card("4242424242424242")},
        follow=True,
    ).content.decode()
    assert "You can watch this session." in done
    assert Purchase.objects.get().method == Purchase.Method.CARD
