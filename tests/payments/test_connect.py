"""Stripe Connect (Express) payouts against a running localstripe with the Connect
stand-in (scripts/localstripe_connect.py): onboarding, status, transfers, payouts."""

import json
import urllib.parse
import urllib.request

import pytest
import stripe
from django.core.exceptions import ValidationError

from payments import gateway, ledger, services
from payments import selectors as payment_selectors
from payments.models import ConnectedAccount, LedgerAccount, Payout
from tests.payments.test_webhooks import post, signed

Kind = LedgerAccount.Kind


@pytest.fixture
def connect(settings):
    settings.PAYMENTS_PAYOUT_METHOD = "stripe_connect"


@pytest.fixture
def earning_alice(alice, bob, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "tip": 0}
    settings.PAYMENTS_MIN_PAYOUT = 1000
    services.wallet_top_up_credit(user=bob, amount=50_000, currency="CNY", payment_intent_id="p")
    services.tip_send(tipper=bob, creator=alice.user, amount=30_000, currency="CNY", client_key="t")
    return alice.user


def finish_onboarding(url: str) -> str:
    """What the creator does on Stripe's (here localstripe's) onboarding page:
    submit the form. Returns where Stripe sends the browser back to."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    body = urllib.parse.urlencode({"return_url": query["return_url"][0]}).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=5)
    except urllib.error.HTTPError as redirect:  # 302 back to the site
        assert redirect.code == 302
        return redirect.headers["Location"]
    raise AssertionError("onboarding did not send the browser back")


def onboard(client, user) -> str:
    client.force_login(user)
    response = client.post("/earnings/stripe/")
    assert response.status_code == 302
    return response["Location"]


def test_onboarding_makes_an_express_account_and_reads_its_status_back(
    client, connect, earning_alice
):
    client.force_login(earning_alice)
    page = client.get("/earnings/")
    assert 'data-testid="connect-onboard"' in page.content.decode()
    url = onboard(client, earning_alice)
    assert "/_config/connect/onboarding/acct_" in url
    connected = ConnectedAccount.objects.get(user=earning_alice)
    assert (connected.details_submitted, connected.payouts_enabled) == (False, False)
    # Coming back before finishing says so and changes nothing.
    response = client.get("/earnings/stripe/return/", follow=True)
    assert "Stripe needs more details" in response.content.decode()
    back = finish_onboarding(url)
    assert back.endswith("/earnings/stripe/return/")
    response = client.get(back, follow=True)
    assert "Your Stripe account is ready" in response.content.decode()
    connected.refresh_from_db()
    assert (connected.details_submitted, connected.payouts_enabled) == (True, True)
    # Asking again reuses the same account.
    onboard(client, earning_alice)
    assert ConnectedAccount.objects.filter(user=earning_alice).count() == 1


def test_an_approved_payout_is_transferred_and_paid_out_once(
    client, connect, earning_alice, admin_user
):
    finish_onboarding(onboard(client, earning_alice))
    connected = services.connect_account_sync(
        stripe_account_id=ConnectedAccount.objects.get(user=earning_alice).stripe_account_id
    )
    payout = services.payout_request(creator=earning_alice, amount=20_000, currency="CNY")
    services.payout_approve(payout=payout, approved_by=admin_user)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert payout.transfer_reference.startswith("tr_")
    transfer = gateway.client().v1.transfers.retrieve(payout.transfer_reference)
    assert (transfer.amount, transfer.currency, transfer.destination) == (
        20_000, "cny", connected.stripe_account_id,
    )  # fmt: skip
    assert ledger.balance(ledger.account_get(kind=Kind.PAYOUTS, currency="CNY")) == 20_000
    # The same transfer and payout again (a retried approval) move nothing twice: both
    # calls carry the payout's idempotency keys and get the first objects back.
    assert gateway.payout_transfer(payout=payout) == payout.transfer_reference


@pytest.mark.parametrize("onboarded", [False, None])
def test_a_payout_to_a_creator_without_a_ready_account_is_refused_and_nothing_moves(
    client, connect, earning_alice, admin_user, onboarded
):
    if onboarded is False:
        onboard(client, earning_alice)  # started, never finished
    payout = services.payout_request(creator=earning_alice, amount=20_000, currency="CNY")
    with pytest.raises(ValidationError) as refused:
        services.payout_approve(payout=payout, approved_by=admin_user)
    assert "Stripe" in refused.value.messages[0]
    payout.refresh_from_db()
    assert payout.status == Payout.Status.REQUESTED
    assert payment_selectors.pending_payouts_total(user=earning_alice, currency="CNY") == 20_000


def test_account_updated_webhook_refreshes_the_status(client, connect, earning_alice):
    url = onboard(client, earning_alice)
    finish_onboarding(url)
    account_id = ConnectedAccount.objects.get(user=earning_alice).stripe_account_id
    payload = json.dumps(
        {"id": "evt_acct_1", "type": "account.updated",
         "data": {"object": {"id": account_id, "object": "account"}}}
    ).encode()  # fmt: skip
    assert post(client, payload, **signed(payload)).status_code == 200
    assert ConnectedAccount.objects.get(user=earning_alice).payouts_enabled


def test_the_stand_in_refuses_a_transfer_to_an_account_not_onboarded(
    client, connect, earning_alice
):
    onboard(client, earning_alice)
    account_id = ConnectedAccount.objects.get(user=earning_alice).stripe_account_id
    with pytest.raises(stripe.InvalidRequestError, match="capabilities"):
        gateway.client().v1.transfers.create(
            params={"amount": 100, "currency": "cny", "destination": account_id}
        )
