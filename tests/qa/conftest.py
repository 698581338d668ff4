"""Paid-question fixtures: alice answers questions, bob asks, charlie reads."""

import pytest

from payments import selectors as money
from payments import services as payment_services
from payments.models import LedgerAccount
from qa import matching, services

Kind = LedgerAccount.Kind


@pytest.fixture(autouse=True)
def _fresh_indexes(settings):
    settings.QA_INDEX_MIN_REBUILD_SECONDS = 0
    settings.QA_INDEX_REBUILD_IN_BACKGROUND = False
    matching.index_reset()
    yield
    matching.index_reset()


def fund(user, amount=10_000, currency="CNY", key=None):
    key = key or f"pi_{user.pk}_{amount}"
    payment_services.wallet_top_up_credit(
        user=user, amount=amount, currency=currency, payment_intent_id=key
    )


@pytest.fixture
def expert(alice):
    """alice takes paid questions at ¥10.00 base, 48 hours."""
    services.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    return alice.user


@pytest.fixture
def asker(bob):
    fund(bob, 10_000)
    return bob


def ask(
    asker,
    expert,
    text="How do I profile a slow Django view?",
    difficulty="standard",
    is_public=True,
):
    quote = services.quote_create(
        asker=asker, expert=expert, text=text, difficulty=difficulty, is_public=is_public
    )
    return services.question_ask(asker=asker, quote_id=quote.pk)


def balances(*users, currency="CNY"):
    """{(email, kind): balance} plus the platform's revenue."""
    out = {}
    for user in users:
        for kind in (Kind.WALLET, Kind.ESCROW, Kind.EARNINGS):
            out[(user.email, kind)] = money.account_balance(user=user, kind=kind, currency=currency)
    platform = LedgerAccount.objects.filter(
        kind=Kind.PLATFORM_REVENUE, currency=currency, owner=None
    ).first()
    from payments import ledger

    out["platform"] = ledger.balance(platform) if platform else 0
    return out


def total(b):
    return sum(b.values())
