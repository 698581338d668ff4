"""Card payments against a running localstripe (started by scripts/test.sh)."""

import pytest

from payments import gateway, services
from payments.models import LedgerTransaction, TopUp


def card_token(number: str) -> str:
    """What Stripe.js makes in the browser from the card element."""
    token = gateway.client().v1.tokens.create(
        params={"card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    return token.id


def test_top_up_with_a_good_card_credits_the_wallet(bob):
    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    assert top_up.status == TopUp.Status.PENDING
    top_up = services.top_up_pay(top_up=top_up, card_token=card_token("4242424242424242"))
    assert top_up.status == TopUp.Status.SUCCEEDED
    assert services.wallet_balance(user=bob, currency="CNY") == 5000
    # The webhook for the same payment arrives later: nothing more happens.
    services.payment_intent_settle(payment_intent_id=top_up.payment_intent_id)
    assert services.wallet_balance(user=bob, currency="CNY") == 5000
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1


def test_declined_card_moves_no_money_and_says_why(bob):
    # 4000 0000 0000 0341: the charge is declined (localstripe and Stripe alike).
    top_up = services.top_up_start(user=bob, amount=5000, currency="CNY")
    top_up = services.top_up_pay(top_up=top_up, card_token=card_token("4000000000000341"))
    assert top_up.status == TopUp.Status.FAILED
    assert "declined" in top_up.failure_message.lower()
    assert services.wallet_balance(user=bob, currency="CNY") == 0
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize("amount", [0, 499, 500_001, -100])
def test_top_up_amount_limits(bob, amount):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.top_up_start(user=bob, amount=amount, currency="CNY")
    assert not TopUp.objects.exists()
