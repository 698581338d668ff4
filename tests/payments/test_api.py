import pytest
from rest_framework.test import APIClient

from payments import services
from payments.models import Payout, Purchase, Tip, TopUp
from tests.factories import CourseFactory
from tests.payments.test_card_payments import card


@pytest.fixture
def api(bob):
    client = APIClient()
    client.force_authenticate(bob)
    return client


def test_money_endpoints_need_login(db):
    anon = APIClient()
    for url in ["/api/v1/wallet/", "/api/v1/earnings/", "/api/v1/purchases/", "/api/v1/payouts/"]:
        assert anon.get(url).status_code == 403


def test_top_up_by_api_then_wallet_shows_it(api, bob):
    created = api.post(
        "/api/v1/wallet/top-ups/", {"amount": 5000, "currency": "CNY"}, format="json"
    )
    assert created.status_code == 201
    paid = api.post(
        f"/api/v1/wallet/top-ups/{created.json()['id']}/pay/",
        {"payment_method": card("4242424242424242")},
        format="json",
    )
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded"
    wallet = api.get("/api/v1/wallet/").json()
    assert wallet["results"]["balances"] == [{"currency": "CNY", "balance": 5000}]
    assert wallet["results"]["history"][0]["kind"] == "top_up"


def test_declined_top_up_by_api_is_402_with_reason(api):
    created = api.post(
        "/api/v1/wallet/top-ups/", {"amount": 5000, "currency": "CNY"}, format="json"
    )
    paid = api.post(
        f"/api/v1/wallet/top-ups/{created.json()['id']}/pay/",
        {"payment_method": card("4000000000000341")},
        format="json",
    )
    assert paid.status_code == 402
    assert "declined" in paid.json()["failure_message"].lower()


@pytest.mark.parametrize(
    "body",
    [{"amount": 0, "currency": "CNY"}, {"amount": -1, "currency": "CNY"},
     {"amount": 12.5, "currency": "CNY"}, {"amount": 10**12, "currency": "CNY"},
     {"amount": 1000, "currency": "BTC"}, {"amount": "lots", "currency": "CNY"}],
)  # fmt: skip
def test_bad_top_up_amounts_are_400(api, body):
    response = api.post("/api/v1/wallet/top-ups/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"amount", "currency"}
    assert not TopUp.objects.exists()


def test_buy_and_tip_by_api(api, bob, alice_channel):
    course = CourseFactory(channel=alice_channel, price_amount=3000)
    services.wallet_top_up_credit(user=bob, amount=10_000, currency="CNY", payment_intent_id="p")
    bought = api.post("/api/v1/purchases/", {"course": course.slug}, format="json")
    assert bought.status_code == 201 and bought.json()["status"] == "paid"
    again = api.post("/api/v1/purchases/", {"course": course.slug}, format="json")
    assert again.status_code == 409  # well formed, but already bought
    assert "already have access" in again.json()["non_field_errors"][0]
    tip = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY", "client_key": "k1"}
    assert api.post("/api/v1/tips/", tip, format="json").status_code == 201
    assert api.post("/api/v1/tips/", tip, format="json").status_code == 201  # retry
    assert Tip.objects.count() == 1
    assert Purchase.objects.count() == 1
    too_much = {**tip, "client_key": "k2", "amount": 1_000_000}
    response = api.post("/api/v1/tips/", too_much, format="json")
    assert response.status_code == 409  # well formed: the wallet is short
    assert "does not hold enough" in response.json()["amount"][0]


def test_someone_elses_top_up_is_404(api, charlie):
    other = services.top_up_start(user=charlie.user, amount=1000, currency="CNY")
    response = api.post(
        f"/api/v1/wallet/top-ups/{other.pk}/pay/", {"payment_method": "pm_x"}, format="json"
    )
    assert response.status_code == 404


def test_payout_request_by_api(alice, bob, settings):
    settings.PAYMENTS_MIN_PAYOUT = 100
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="p")
    services.tip_send(tipper=bob, creator=alice.user, amount=5000, currency="CNY", client_key="t")
    api = APIClient()
    api.force_authenticate(alice.user)
    assert api.get("/api/v1/earnings/").json()["results"]["balances"][0]["balance"] > 0
    assert (
        api.post("/api/v1/payouts/", {"amount": 1000, "currency": "CNY"}, format="json").status_code
        == 201
    )
    assert (
        api.post(
            "/api/v1/payouts/", {"amount": 10**6, "currency": "CNY"}, format="json"
        ).status_code
        == 409  # the earnings hold too little: a conflict, not bad input
    )
    assert Payout.objects.count() == 1
