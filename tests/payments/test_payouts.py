import pytest
from django.core.exceptions import ValidationError

from payments import ledger, services
from payments import selectors as payment_selectors
from payments.models import LedgerAccount, Payout
from tests.payments.test_concurrency import run_together

Kind = LedgerAccount.Kind


@pytest.fixture
def earning_alice(alice, bob, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "tip": 0}
    settings.PAYMENTS_MIN_PAYOUT = 1000
    services.wallet_top_up_credit(user=bob, amount=50_000, currency="CNY", payment_intent_id="p")
    services.tip_send(tipper=bob, creator=alice.user, amount=30_000, currency="CNY", client_key="t")
    return alice.user


def test_request_then_approve_pays_out_once(earning_alice, admin_user):
    payout = services.payout_request(creator=earning_alice, amount=20_000, currency="CNY")
    assert payment_selectors.earnings_balance(user=earning_alice, currency="CNY") == 10_000
    services.payout_approve(payout=payout, approved_by=admin_user)
    with pytest.raises(ValidationError, match="already decided"):
        services.payout_approve(payout=payout, approved_by=admin_user)
    payout.refresh_from_db()
    assert (payout.status, payout.transfer_reference) == (Payout.Status.PAID, "manual")
    paid_out = ledger.account_get(kind=Kind.PAYOUTS, currency="CNY")
    assert ledger.balance(paid_out) == 20_000


def test_rejected_payout_returns_to_earnings_with_reason(earning_alice, admin_user):
    payout = services.payout_request(creator=earning_alice, amount=20_000, currency="CNY")
    with pytest.raises(ValidationError):
        services.payout_reject(payout=payout, rejected_by=admin_user, reason=" ")
    services.payout_reject(payout=payout, rejected_by=admin_user, reason="Verify your ID first")
    assert payment_selectors.earnings_balance(user=earning_alice, currency="CNY") == 30_000
    payout.refresh_from_db()
    assert payout.reason == "Verify your ID first"


@pytest.mark.parametrize("amount", [999, 30_001, 0, -5])
def test_payout_below_minimum_or_above_earnings_is_refused(earning_alice, amount):
    with pytest.raises(ValidationError):
        services.payout_request(creator=earning_alice, amount=amount, currency="CNY")
    assert not Payout.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_payout_requests_never_exceed_earnings(settings):
    from tests.factories import CreatorFactory, UserFactory

    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "tip": 0}
    settings.PAYMENTS_MIN_PAYOUT = 1000
    fan, creator = UserFactory(), CreatorFactory().user
    services.wallet_top_up_credit(user=fan, amount=10_000, currency="CNY", payment_intent_id="p")
    services.tip_send(tipper=fan, creator=creator, amount=10_000, currency="CNY", client_key="t")
    results = run_together(
        4, lambda i: services.payout_request(creator=creator, amount=4000, currency="CNY")
    )
    assert sum(isinstance(r, Payout) for r in results) == 2
    assert payment_selectors.earnings_balance(user=creator, currency="CNY") == 2000
    assert Payout.objects.count() == 2
