import pytest
from django.core.exceptions import ValidationError

from payments import ledger, services
from payments import selectors as payment_selectors
from payments.models import LedgerAccount, Tip

Kind = LedgerAccount.Kind


@pytest.fixture
def funded_bob(bob):
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="pi_1")
    return bob


def earnings(user):
    return ledger.balance(ledger.account_get(kind=Kind.EARNINGS, currency="CNY", owner=user))


def test_tip_moves_money_to_creator_minus_fee(funded_bob, alice, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "tip": 1000}
    tip = services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=1000, currency="CNY", client_key="k1",
        message="Great answer!",
    )  # fmt: skip
    assert (tip.amount, tip.fee) == (1000, 100)
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 4000
    assert earnings(alice.user) == 900
    platform = ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency="CNY")
    assert ledger.balance(platform) == 100


def test_double_click_sends_one_tip(funded_bob, alice):
    for _ in range(3):
        services.tip_send(
            tipper=funded_bob, creator=alice.user, amount=1000, currency="CNY", client_key="same"
        )
    assert Tip.objects.count() == 1
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 4000


def test_tip_larger_than_wallet_is_refused_with_reason(funded_bob, alice):
    with pytest.raises(ValidationError) as exc:
        services.tip_send(
            tipper=funded_bob, creator=alice.user, amount=6000, currency="CNY", client_key="k"
        )
    assert "does not hold enough" in str(exc.value)
    assert "¥50.00" in str(exc.value)
    assert not Tip.objects.exists()
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 5000


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(0, "CNY"), (-100, "CNY"), (99, "CNY"), (10.5, "CNY"), ("100", "CNY"), (10**12, "CNY"),
     (1000, "XYZ")],
)  # fmt: skip
def test_bad_tip_amounts_are_refused(funded_bob, alice, amount, currency):
    with pytest.raises(ValidationError):
        services.tip_send(
            tipper=funded_bob, creator=alice.user, amount=amount, currency=currency,
            client_key="k",
        )  # fmt: skip
    assert not Tip.objects.exists()


def test_cannot_tip_yourself(funded_bob):
    with pytest.raises(ValidationError, match="yourself"):
        services.tip_send(
            tipper=funded_bob, creator=funded_bob, amount=500, currency="CNY", client_key="k"
        )


def test_top_up_replay_credits_once(bob):
    for _ in range(5):
        services.wallet_top_up_credit(
            user=bob, amount=2000, currency="CNY", payment_intent_id="pi_same"
        )
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 2000
