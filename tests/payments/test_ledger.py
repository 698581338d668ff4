"""The ledger's own rules: balanced, idempotent, never negative, append-only."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.utils import DatabaseError

from payments import ledger
from payments import selectors as payment_selectors
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerBalanceShard, LedgerEntry, LedgerTransaction

Kind = LedgerAccount.Kind


@pytest.fixture(params=["server", "python"])
def accounts(request, monkeypatch, bob, alice):
    # Every rule holds for both ways of posting: the PostgreSQL function
    # (payments_ledger_post) and the Python path SQLite uses.
    monkeypatch.setattr(ledger, "SERVER_SIDE", request.param == "server")
    return {
        "clearing": ledger.account_get(kind=Kind.STRIPE_CLEARING, currency="CNY"),
        "bob": ledger.account_get(kind=Kind.WALLET, currency="CNY", owner=bob),
        "alice": ledger.account_get(kind=Kind.EARNINGS, currency="CNY", owner=alice.user),
    }


def fund(accounts, amount, key="fund"):
    return ledger.post(
        kind="top_up",
        idempotency_key=key,
        reference_type="test",
        reference_id=key,
        legs=[Leg(accounts["clearing"], -amount), Leg(accounts["bob"], amount)],
    )


def test_posting_moves_money_and_balances_follow(accounts):
    fund(accounts, 1000)
    assert ledger.balance(accounts["bob"]) == 1000
    assert ledger.balance(accounts["clearing"]) == -1000


def test_same_idempotency_key_posts_once(accounts):
    first = fund(accounts, 1000, key="pi_1")
    again = fund(accounts, 1000, key="pi_1")
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 2
    assert ledger.balance(accounts["bob"]) == 1000


def test_unbalanced_transaction_is_refused(accounts):
    with pytest.raises(ValueError, match="does not balance"):
        ledger.post(
            kind="tip",
            idempotency_key="x",
            reference_type="t",
            reference_id="1",
            legs=[Leg(accounts["bob"], -500), Leg(accounts["alice"], 400)],
        )
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize("amount", [0, 1.5, True])
def test_entries_must_be_nonzero_integers(accounts, amount):
    with pytest.raises(ValueError):
        ledger.post(
            kind="tip",
            idempotency_key="x",
            reference_type="t",
            reference_id="1",
            legs=[Leg(accounts["bob"], amount), Leg(accounts["alice"], amount)],
        )


def test_wallet_cannot_go_negative(accounts):
    fund(accounts, 300)
    with pytest.raises(ledger.InsufficientFunds, match="¥3.00"):
        ledger.post(
            kind="tip",
            idempotency_key="too-much",
            reference_type="t",
            reference_id="1",
            legs=[Leg(accounts["bob"], -500), Leg(accounts["alice"], 500)],
        )
    assert ledger.balance(accounts["bob"]) == 300
    assert not LedgerTransaction.objects.filter(idempotency_key="too-much").exists()


def test_credits_from_several_connections_add_up_and_a_debit_takes_them_in(accounts):
    # Each connection credits its own shard of an account (no row all writers share).
    for shard in range(3):
        ledger._shard_local.shard = shard
        fund(accounts, 100, key=f"from-{shard}")
    shards = LedgerBalanceShard.objects.filter(account=accounts["bob"])
    assert sorted(shards.values_list("shard", "amount")) == [(0, 100), (1, 100), (2, 100)]
    assert ledger.balance(accounts["bob"]) == 300
    assert ledger.balance(accounts["clearing"]) == -300

    # The row alone holds nothing: the debit folds the shards in first.
    ledger.post(
        kind="tip",
        idempotency_key="spend",
        reference_type="t",
        reference_id="1",
        legs=[Leg(accounts["bob"], -250), Leg(accounts["alice"], 250)],
    )
    assert not shards.exists()
    assert LedgerAccount.objects.get(pk=accounts["bob"].pk).balance == 50
    assert ledger.balance(accounts["bob"]) == 50
    assert ledger.balance(accounts["alice"]) == 250
    assert payment_selectors.ledger_mismatches() == []
    with pytest.raises(ledger.InsufficientFunds, match="¥0.50"):
        ledger.post(
            kind="tip",
            idempotency_key="spend-more",
            reference_type="t",
            reference_id="2",
            legs=[Leg(accounts["bob"], -60), Leg(accounts["alice"], 60)],
        )


def test_reading_a_balance_is_one_query(accounts, django_assert_num_queries):
    for shard in range(5):
        ledger._shard_local.shard = shard
        fund(accounts, 10, key=f"many-{shard}")
    with django_assert_num_queries(1):
        assert ledger.balance(accounts["bob"]) == 50
    with django_assert_num_queries(1):
        assert ledger.balance(accounts["clearing"]) == -50


def test_clearing_account_may_go_negative(accounts):
    # Stripe clearing is money owed to us by Stripe: negative by design.
    fund(accounts, 300)
    assert ledger.balance(accounts["clearing"]) == -300


def test_entries_cannot_be_updated_or_deleted_on_postgresql(accounts):
    fund(accounts, 1000)
    entry = LedgerEntry.objects.first()
    with pytest.raises((InternalError, IntegrityError, DatabaseError), match="append-only"):
        with transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).update(amount=999_999)
    with pytest.raises((InternalError, IntegrityError, DatabaseError), match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw SQL: below Django's PROTECT, the database itself says no.
            cursor.execute("DELETE FROM payments_ledgerentry")
    assert ledger.balance(accounts["bob"]) == 1000


@pytest.mark.django_db(transaction=True)
def test_unbalanced_rows_written_around_the_service_fail_at_commit(bob):
    """The deferred trigger checks every transaction at commit, whoever wrote it."""
    wallet = ledger.account_get(kind=Kind.WALLET, currency="CNY", owner=bob)
    with pytest.raises((IntegrityError, InternalError, DatabaseError), match="does not balance"):
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                kind="top_up", idempotency_key="sneaky", reference_type="t", reference_id="1"
            )
            LedgerEntry.objects.create(
                transaction=txn, account=wallet, amount=10**6, currency="CNY"
            )
    assert not LedgerTransaction.objects.filter(idempotency_key="sneaky").exists()
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize("accounts", ["server"], indirect=True)  # the Python path takes several
def test_a_posting_is_one_round_trip_on_postgresql(accounts, django_assert_num_queries):
    fund(accounts, 1000)
    assert ledger.SERVER_SIDE
    with django_assert_num_queries(1):
        ledger.post(
            kind="tip",
            idempotency_key="one-trip",
            reference_type="t",
            reference_id="1",
            legs=[Leg(accounts["bob"], -400), Leg(accounts["alice"], 400)],
        )
    assert ledger.balance(accounts["bob"]) == 600
    assert ledger.balance(accounts["alice"]) == 400
    assert payment_selectors.ledger_mismatches() == []


def _post_raw(accounts, key, legs, guarded=()):
    """Call the database function directly, past the Python checks."""
    with connection.cursor() as cursor:
        cursor.execute(
            ledger._POST_SQL,
            [
                "tip", key, "t", "1", "", "2026-01-01T00:00:00Z",
                [accounts[name].pk for name, _ in legs],
                [amount for _, amount in legs],
                ["CNY" for _ in legs],
                [accounts[name].pk for name in guarded],
                0,
            ],
        )  # fmt: skip
        return cursor.fetchone()


def test_the_database_function_refuses_what_does_not_balance(accounts):
    fund(accounts, 1000)
    for legs in ([("bob", -500), ("alice", 400)], [("bob", 0), ("alice", 0)], [("bob", -5)]):
        with pytest.raises(IntegrityError), transaction.atomic():
            _post_raw(accounts, "raw-bad", legs, guarded=["bob"])
    assert not LedgerTransaction.objects.filter(idempotency_key="raw-bad").exists()
    assert ledger.balance(accounts["bob"]) == 1000


def test_the_database_function_reports_a_short_account_and_writes_nothing(accounts):
    fund(accounts, 300)
    row = _post_raw(accounts, "raw-short", [("bob", -500), ("alice", 500)], guarded=["bob"])
    assert row == (None, False, accounts["bob"].pk, 300)
    assert not LedgerTransaction.objects.filter(idempotency_key="raw-short").exists()
    txn_id, posted, _, _ = _post_raw(
        accounts, "raw-ok", [("bob", -300), ("alice", 300)], guarded=["bob"]
    )
    assert posted and _post_raw(
        accounts, "raw-ok", [("bob", -300), ("alice", 300)], guarded=["bob"]
    ) == (txn_id, False, None, None)
    assert ledger.balance(accounts["bob"]) == 0
    assert payment_selectors.ledger_mismatches() == []
