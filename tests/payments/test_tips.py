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


def test_a_retried_click_finds_its_tip_when_the_wallet_is_short_now(funded_bob, alice):
    first = services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=1000, currency="CNY", client_key="k1"
    )
    services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=4000, currency="CNY", client_key="k2"
    )
    again = services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=1000, currency="CNY", client_key="k1"
    )
    assert again.pk == first.pk
    assert Tip.objects.count() == 2
    assert payment_selectors.wallet_balance(user=funded_bob, currency="CNY") == 0


def test_a_retried_click_finds_its_tip_after_the_minimum_rose(funded_bob, alice, settings):
    first = services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=500, currency="CNY", client_key="k"
    )
    settings.PAYMENTS_MIN_TIP = 1000
    again = services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=500, currency="CNY", client_key="k"
    )
    assert again.pk == first.pk
    with pytest.raises(ValidationError):  # a new click is held to the new minimum
        services.tip_send(
            tipper=funded_bob, creator=alice.user, amount=500, currency="CNY", client_key="n"
        )
    assert Tip.objects.count() == 1


def test_the_tip_written_is_the_tip_returned(funded_bob, alice):
    from payments.services.tips import TIP_COLUMNS

    assert set(TIP_COLUMNS) == {f.column for f in Tip._meta.concrete_fields if not f.primary_key}
    tip = services.tip_send(
        tipper=funded_bob, creator=alice.user, amount=700, currency="CNY", client_key="w",
        message="  thanks  ",
    )  # fmt: skip
    stored = Tip.objects.get(pk=tip.pk)
    assert [getattr(stored, c) for c in TIP_COLUMNS] == [getattr(tip, c) for c in TIP_COLUMNS]
    assert (stored.message, stored.ledger_transaction.kind) == ("thanks", "tip")


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
