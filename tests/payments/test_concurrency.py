"""Concurrent money movements on PostgreSQL, each thread on its own connection."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from payments import selectors as payment_selectors
from payments import services
from payments.models import LedgerEntry, LedgerTransaction, Tip
from tests.factories import CreatorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(n, fn):
    """Start n threads at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = fn(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_spends_that_together_exceed_the_wallet_exactly_one_succeeds():
    bob, alice = UserFactory(), CreatorFactory().user
    services.wallet_top_up_credit(user=bob, amount=1000, currency="CNY", payment_intent_id="pi")
    results = run_together(
        2,
        lambda i: services.tip_send(
            tipper=bob, creator=alice, amount=700, currency="CNY", client_key=f"k{i}"
        ),
    )
    assert sum(isinstance(r, Tip) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 300


def test_many_concurrent_spends_never_overdraw():
    bob, alice = UserFactory(), CreatorFactory().user
    services.wallet_top_up_credit(user=bob, amount=1000, currency="CNY", payment_intent_id="pi")
    results = run_together(
        8,
        lambda i: services.tip_send(
            tipper=bob, creator=alice, amount=300, currency="CNY", client_key=f"k{i}"
        ),
    )
    assert sum(isinstance(r, Tip) for r in results) == 3
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 100


def test_top_ups_arriving_while_the_wallet_is_spent_are_neither_lost_nor_overspent():
    # Credits go to shards without the wallet's lock, debits take them in under it.
    bob, alice = UserFactory(), CreatorFactory().user
    services.wallet_top_up_credit(user=bob, amount=500, currency="CNY", payment_intent_id="pi0")

    def either(i):
        if i % 2:
            return services.wallet_top_up_credit(
                user=bob, amount=500, currency="CNY", payment_intent_id=f"pi{i}"
            )
        try:
            return services.tip_send(
                tipper=bob, creator=alice, amount=400, currency="CNY", client_key=f"k{i}"
            )
        except ValidationError as exc:
            return exc

    results = run_together(8, either)
    failed = [r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)]
    assert not failed, results
    tips = Tip.objects.filter(tipper=bob).count()
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 500 * 5 - 400 * tips
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") >= 0
    assert payment_selectors.ledger_mismatches() == []


def test_the_same_top_up_delivered_five_times_at_once_posts_once():
    bob = UserFactory()
    results = run_together(
        5,
        lambda i: services.wallet_top_up_credit(
            user=bob, amount=2500, currency="CNY", payment_intent_id="pi_dup"
        ),
    )
    assert all(isinstance(r, LedgerTransaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert LedgerTransaction.objects.filter(idempotency_key="top_up:pi_dup").count() == 1
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 2500


def test_the_same_tip_sent_five_times_at_once_is_one_tip():
    bob, alice = UserFactory(), CreatorFactory().user
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="pi")
    results = run_together(
        5,
        lambda i: services.tip_send(
            tipper=bob, creator=alice, amount=1000, currency="CNY", client_key="one-click"
        ),
    )
    assert all(isinstance(r, Tip) for r in results), results
    assert Tip.objects.count() == 1
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 4000
    assert LedgerEntry.objects.filter(transaction__kind="tip").count() == 3


def test_a_tip_storm_leaves_every_running_balance_equal_to_its_entries():
    # 12 payers tip at once, 5 tips each, to two creators (one of them hot), some
    # tips repeated (the same client key) and some beyond what the wallet holds.
    payers = [UserFactory() for _ in range(12)]
    alice, dave = CreatorFactory().user, CreatorFactory().user
    for i, payer in enumerate(payers):
        services.wallet_top_up_credit(
            user=payer, amount=2000, currency="CNY", payment_intent_id=f"pi_storm_{i}"
        )

    def storm(i):
        sent = []
        for n in range(5):
            try:
                sent.append(
                    services.tip_send(
                        tipper=payers[i],
                        creator=alice if n % 3 else dave,
                        amount=500,
                        currency="CNY",
                        client_key=f"storm-{n % 4}",  # n=4 repeats n=0
                    )  # fmt: skip
                )
            except ValidationError:
                sent.append(None)
        return sent

    results = run_together(len(payers), storm)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Tip.objects.count() == 4 * len(payers)
    assert payment_selectors.ledger_mismatches() == []
    for payer in payers:
        assert payment_selectors.wallet_balance(user=payer, currency="CNY") == 0
    fee = services.platform_fee(amount=500, income="tip")
    earned = {
        alice: sum(1 for n in range(4) if n % 3) * len(payers) * (500 - fee),
        dave: sum(1 for n in range(4) if not n % 3) * len(payers) * (500 - fee),
    }
    for creator, expected in earned.items():
        assert payment_selectors.earnings_balance(user=creator, currency="CNY") == expected
