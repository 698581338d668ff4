"""One escrow for paid questions of every kind: held per payer, released to the payee
minus the fee, or refunded; holds made into the old platform-wide escrow account
still settle from it."""

import pytest
from django.core.exceptions import ValidationError

from payments import ledger, services
from payments import selectors as payment_selectors
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerTransaction
from tests.factories import UserFactory

Kind = LedgerAccount.Kind


@pytest.fixture
def funded_bob(bob):
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="pi_1")
    return bob


def balance(kind, user=None):
    return ledger.balance(ledger.account_get(kind=kind, currency="CNY", owner=user))


def hold(payer, key="hold:1", amount=1000):
    return services.escrow_hold(
        payer=payer, amount=amount, currency="CNY", key=key,
        reference=("test.question", "1"), memo="held",
    )  # fmt: skip


def test_a_hold_goes_to_the_payers_own_escrow_account_once(funded_bob):
    first = hold(funded_bob)
    assert hold(funded_bob) == first  # a double click holds once
    assert payment_selectors.escrow_balance(user=funded_bob, currency="CNY") == 1000
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 4000
    assert not LedgerAccount.objects.filter(kind=Kind.ESCROW, owner=None).exists()


def test_a_short_wallet_holds_nothing_and_says_why(bob):
    with pytest.raises(ValidationError) as exc:
        hold(bob)
    assert "does not hold enough" in str(exc.value)
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.ESCROW_HOLD).exists()


def test_release_pays_the_payee_minus_the_fee_and_settles_once(funded_bob, alice, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "question": 1000}
    hold(funded_bob)
    for _ in range(2):  # a retried job
        moved = services.escrow_release(
            hold_key="hold:1", payee=alice.user, income="question", key="settle:1", memo="done"
        )
    assert (moved.amount, moved.fee) == (1000, 100)
    assert balance(Kind.EARNINGS, alice.user) == 900
    assert balance(Kind.PLATFORM_REVENUE) == 100
    assert payment_selectors.escrow_balance(user=funded_bob, currency="CNY") == 0
    # A refund under the same settle key (the deadline racing the answer) moves nothing.
    services.escrow_refund(hold_key="hold:1", key="settle:1", memo="too late")
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 4000


def test_refund_returns_the_hold_to_the_wallet_it_came_from(funded_bob):
    hold(funded_bob)
    services.escrow_refund(hold_key="hold:1", key="settle:1", memo="declined")
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 5000
    assert payment_selectors.escrow_balance(user=funded_bob, currency="CNY") == 0


def test_a_hold_in_the_old_platform_wide_escrow_account_settles_from_it(funded_bob, alice):
    # Before escrow was per payer, live priority questions held in one escrow
    # account per currency (no owner). Such a hold, still open, must settle from
    # that account: nothing is taken from the payer's new escrow account.
    platform_escrow = ledger.account_get(kind=Kind.ESCROW, currency="CNY")
    ledger.post(
        kind=LedgerTransaction.Kind.ESCROW_HOLD,
        idempotency_key="escrow-hold:priority-question:7",
        reference_type="livestream.question",
        reference_id="7",
        legs=[
            Leg(ledger.account_get(kind=Kind.WALLET, currency="CNY", owner=funded_bob), -700),
            Leg(platform_escrow, 700),
        ],
    )
    hold(funded_bob, key="escrow-hold:priority-question:8", amount=300)  # a new one
    services.escrow_release(
        hold_key="escrow-hold:priority-question:7", payee=alice.user,
        income="priority_question", key="escrow-release:priority-question:7", memo="answered",
    )  # fmt: skip
    assert ledger.balance(platform_escrow) == 0
    assert payment_selectors.escrow_balance(user=funded_bob, currency="CNY") == 300
    services.escrow_refund(
        hold_key="escrow-hold:priority-question:8",
        key="escrow-refund:priority-question:8",
        memo="dismissed",
    )
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 4300


def test_an_unlock_is_split_between_earner_sharer_and_platform(funded_bob, alice, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "question_unlock": 1000}
    charlie = UserFactory(email="charlie@example.com")
    split = services.payment_split(
        payer=funded_bob, amount=1000, currency="CNY", income="question_unlock",
        earner=alice.user, sharer=charlie, earner_share_bps=7000, key="unlock:1",
        reference=("test.question", "1"), memo="unlock", short_message="%(detail)s",
    )  # fmt: skip
    assert (split.fee, split.earner_share, split.sharer_share) == (100, 630, 270)
    assert balance(Kind.EARNINGS, alice.user) == 630
    assert payment_selectors.wallet_balance(user=charlie, currency="CNY") == 270
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 4000
