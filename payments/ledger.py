"""Posting to the ledger: the one function that writes ledger rows.

An account's running balance is its row's `balance` plus its `LedgerBalanceShard`
rows (at most SHARDS of them), so reading one is a single indexed read whatever the
history's length (`balance`). `post()` checks that a transaction balances, then:

1. locks the accounts it debits that must not go negative (SELECT ... FOR UPDATE in
   primary-key order) and checks their balances under that lock; an account row
   that does not hold enough first takes in its shards (a fold: the same total,
   moved to the row), and only then is the debit refused;
2. inserts the transaction (INSERT ... ON CONFLICT DO NOTHING on the idempotency
   key: a second `post()` with the key returns the first transaction and writes
   nothing, whether it comes later or at the same moment);
3. inserts its entries in one statement, subtracts the debits from the locked rows
   in one UPDATE, and adds every other change (credits to anyone, any change to a
   system account) to this connection's shard of each account in one upsert.

Nothing is ever locked that many postings share: tips to one hot creator and the
platform's revenue from every tip spread over the shards (each database connection
keeps to one), so concurrent postings do not queue on one row, and a credit never
waits for the payer's lock. Locks are taken in one total order (account rows by id,
then shard rows by account id), so postings never deadlock. All in the caller's
transaction, without a savepoint of its own: it raises before writing anything (a
fold only moves a balance within one account).

On PostgreSQL the three steps run inside the database, as one call of the function
`payments_ledger_post` (migration 0018_ledger_post_function): one round trip per
posting whose statement plans the server keeps per connection, instead of five to eight
statements planned and built by the ORM each time (`_post_on_server`). `_post` is the
same logic in Python, kept for SQLite (development databases).

Account ids are cached per process (accounts are never deleted; a person's once a
commit has shown it exists; tests forget them between tests, `system_accounts_forget`).
"""

import itertools
import os
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money
from payments.models import LedgerAccount, LedgerBalanceShard, LedgerEntry, LedgerTransaction


class InsufficientFunds(ValidationError):
    """A debit would take an account that must stay non-negative below zero."""


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount: int  # signed minor units, in the account's currency


# (kind, currency, owner id or None) -> the account; accounts are never deleted. A
# person's account is remembered once a commit has shown it exists (one created in a
# transaction that rolls back must not be), up to _ACCOUNTS_CACHED of them.
_accounts: dict[tuple[str, str, int | None], LedgerAccount] = {}
_ACCOUNTS_CACHED = 20_000


def _remember(key: tuple[str, str, int | None], account: LedgerAccount) -> None:
    if len(_accounts) >= _ACCOUNTS_CACHED:
        _accounts.clear()
    _accounts[key] = account


def account_get(*, kind: str, currency: str, owner: User | None = None) -> LedgerAccount:
    """The account of that kind, owner and currency, created on first use."""
    key = (kind, currency, owner.pk if owner is not None else None)
    cached = _accounts.get(key)
    if cached is not None:
        return cached
    lookup = {"kind": kind, "currency": currency, "owner": owner}
    account = LedgerAccount.objects.filter(**lookup).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(**lookup)
        except IntegrityError:
            # Created by a concurrent request between our read and our insert.
            account = LedgerAccount.objects.get(**lookup)
    if owner is None:
        _accounts[key] = account  # only a rolled-back test database loses one
    else:
        transaction.on_commit(lambda: _remember(key, account))
    return account


def system_accounts_forget() -> None:
    """Drop the cached account ids (tests whose database is rolled back)."""
    _accounts.clear()


def balance_expression() -> Any:
    """An annotation: the account row's balance plus its shards (`balance`)."""
    shards = (
        LedgerBalanceShard.objects.filter(account=OuterRef("pk"))
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return F("balance") + Coalesce(Subquery(shards), 0)


def balance(account: LedgerAccount) -> int:
    """The account's balance now: its row and its shards, one indexed read."""
    held = (
        LedgerAccount.objects.filter(pk=account.pk)
        .annotate(current=balance_expression())
        .values_list("current", flat=True)
        .first()
    )
    return held or 0


def balance_from_entries(account: LedgerAccount) -> int:
    """The sum of the account's entries: what `balance` must equal (reconciliation)."""
    total = LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return total or 0


def _check_balanced(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise ValueError("A ledger transaction needs at least two entries.")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise ValueError(f"Entry amounts are non-zero integers, not {leg.amount!r}.")
        totals[leg.account.currency] += leg.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValueError(f"Ledger transaction does not balance: {unbalanced}")


def post(
    *,
    kind: str,
    idempotency_key: str,
    reference_type: str,
    reference_id: str,
    legs: Sequence[Leg],
    memo: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction, or return the one already written for the key.

    Raises InsufficientFunds (and writes nothing) if a non-negative account would go
    below zero.
    """
    return post_once(
        kind=kind,
        idempotency_key=idempotency_key,
        reference_type=reference_type,
        reference_id=reference_id,
        legs=legs,
        memo=memo,
    )[0]


def post_once(
    *,
    kind: str,
    idempotency_key: str,
    reference_type: str,
    reference_id: str,
    legs: Sequence[Leg],
    memo: str = "",
) -> tuple[LedgerTransaction, bool]:
    """`post`, telling whether this call wrote the transaction (True) or found the one
    an earlier call with the key wrote (False)."""
    _check_balanced(legs)
    write = _post_on_server if SERVER_SIDE and connection.vendor == "postgresql" else _post
    if connection.in_atomic_block:
        return write(kind, idempotency_key, reference_type, str(reference_id), legs, memo)
    with transaction.atomic():
        return write(kind, idempotency_key, reference_type, str(reference_id), legs, memo)


# Which shard this thread's postings add to: distinct per process and thread (the
# benchmark's and gunicorn's workers are processes, consecutive pids), stable for a
# connection's life, so concurrent postings rarely share a shard row.
_shard_numbers = itertools.count(os.getpid())
_shard_local = threading.local()


def _shard() -> int:
    number = getattr(_shard_local, "shard", None)
    if number is None:
        number = _shard_local.shard = next(_shard_numbers) % LedgerBalanceShard.SHARDS
    return number


def _changes(legs: Sequence[Leg]) -> dict[int, int]:
    """The net change of each account the legs touch, by account id."""
    changes: dict[int, int] = defaultdict(int)
    for leg in legs:
        changes[leg.account.pk] += leg.amount
    return changes


def _guarded(legs: Sequence[Leg], changes: dict[int, int]) -> dict[int, LedgerAccount]:
    """The accounts this posting takes money from that must not go negative."""
    return {
        leg.account.pk: leg.account
        for leg in legs
        if leg.account.kind in LedgerAccount.NON_NEGATIVE and changes[leg.account.pk] < 0
    }


def _locked_balances(ids: set[int]) -> dict[int, int]:
    """Lock the account rows `ids` in primary-key order; returns {id: row balance}."""
    rows = LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return dict(rows.values_list("pk", "balance"))


def _fold(ids: list[int]) -> dict[int, int]:
    """Move the locked accounts' shards into their rows; returns {id: row balance}.

    The account rows' locks keep other debits out; a credit committed meanwhile is
    taken in (the shard's lock waits for it), one still in flight stays in a shard
    row of its own."""
    shards = LedgerBalanceShard.objects.select_for_update().filter(account_id__in=ids)
    moved: dict[int, int] = defaultdict(int)
    taken = []
    for pk, account_id, amount in shards.order_by("account_id", "shard").values_list(
        "pk", "account_id", "amount"
    ):
        moved[account_id] += amount
        taken.append(pk)
    LedgerBalanceShard.objects.filter(pk__in=taken).delete()
    for pk in sorted(moved):
        LedgerAccount.objects.filter(pk=pk).update(balance=F("balance") + moved[pk])
    return dict(
        LedgerAccount.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "balance")
    )


def _check_funds(
    guarded: dict[int, LedgerAccount], held: dict[int, int], changes: dict[int, int]
) -> None:
    short = [pk for pk in sorted(guarded) if held[pk] + changes[pk] < 0]
    if short:
        held.update(_fold(short))
    for pk in short:
        if held[pk] + changes[pk] < 0:
            raise _short_of(guarded[pk], held[pk], -changes[pk])


def _short_of(account: LedgerAccount, held: int, need: int) -> InsufficientFunds:
    return InsufficientFunds(
        _("Not enough money: the balance is %(balance)s and this needs %(need)s.")
        % {
            "balance": format_money(held, account.currency),
            "need": format_money(need, account.currency),
        },
        code="insufficient_funds",
    )


def _insert_transaction(
    kind: str, idempotency_key: str, reference_type: str, reference_id: str, memo: str
) -> LedgerTransaction | None:
    """The transaction row, or None if one with the key exists (committed, or committed
    by a concurrent twin while this INSERT waited for it)."""
    txn = LedgerTransaction(
        kind=kind,
        idempotency_key=idempotency_key,
        reference_type=reference_type,
        reference_id=reference_id,
        memo=memo[:300],
        created_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_ledgertransaction "
            "(kind, idempotency_key, reference_type, reference_id, memo, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING "
            "RETURNING id",
            [kind, idempotency_key, reference_type, reference_id, txn.memo, txn.created_at],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    txn.pk = row[0]
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn


def _add_to_shards(changes: dict[int, int]) -> None:
    """One upsert into this connection's shard of each account, in account id order."""
    if not changes:
        return
    shard = _shard()
    rows = [(pk, shard, changes[pk]) for pk in sorted(changes)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_ledgerbalanceshard (account_id, shard, amount) VALUES "  # noqa: S608 - placeholders only
            + ", ".join(["(%s, %s, %s)"] * len(rows))
            + " ON CONFLICT (account_id, shard) DO UPDATE "
            "SET amount = payments_ledgerbalanceshard.amount + excluded.amount",
            [value for row in rows for value in row],
        )


def _post(
    kind: str,
    idempotency_key: str,
    reference_type: str,
    reference_id: str,
    legs: Sequence[Leg],
    memo: str,
) -> tuple[LedgerTransaction, bool]:
    """Caller holds a transaction. A twin (the same key moves the same accounts) that
    held the locks has committed by the time we get them: if the funds look short, the
    key is looked up before refusing, so the twin's result is returned instead."""
    changes = _changes(legs)
    guarded = _guarded(legs, changes)
    if guarded:
        held = _locked_balances(set(guarded))
        try:
            _check_funds(guarded, held, changes)
        except InsufficientFunds:
            existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
            raise
    txn = _insert_transaction(kind, idempotency_key, reference_type, reference_id, memo)
    if txn is None:  # posted before under this key: nothing moves again
        return LedgerTransaction.objects.get(idempotency_key=idempotency_key), False
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn, account=leg.account, amount=leg.amount, currency=leg.account.currency
        )
        for leg in legs
    )
    if guarded:  # one UPDATE; the rows are locked already
        LedgerAccount.objects.filter(pk__in=guarded).update(
            balance=F("balance") + Case(*(When(pk=pk, then=Value(changes[pk])) for pk in guarded))
        )
    _add_to_shards({pk: c for pk, c in changes.items() if pk not in guarded and c})
    return txn, True


# Post through the database function where there is one (the tests turn it off to hold
# `_post` to the same rules on PostgreSQL).
SERVER_SIDE = True

# One round trip: the database function of migration 0018_ledger_post_function does
# what `_post` does (same locks, order, fold and idempotency), its plans kept per session.
_POST_SQL = (
    "SELECT transaction_id, posted, short_account, short_balance FROM payments_ledger_post("
    "%s, %s, %s, %s, %s, %s, %s::bigint[], %s::bigint[], %s::text[], %s::bigint[], %s)"
)


def _post_on_server(
    kind: str,
    idempotency_key: str,
    reference_type: str,
    reference_id: str,
    legs: Sequence[Leg],
    memo: str,
) -> tuple[LedgerTransaction, bool]:
    """`_post` on PostgreSQL, as one call of `payments_ledger_post`. Caller holds a
    transaction."""
    changes = _changes(legs)
    guarded = _guarded(legs, changes)
    created_at = timezone.now()
    memo = memo[:300]
    with connection.cursor() as cursor:
        cursor.execute(
            _POST_SQL,
            [
                kind,
                idempotency_key,
                reference_type,
                reference_id,
                memo,
                created_at,
                [leg.account.pk for leg in legs],
                [leg.amount for leg in legs],
                [leg.account.currency for leg in legs],
                sorted(guarded),
                _shard(),
            ],
        )
        txn_id, posted, short_account, short_balance = cursor.fetchone()
    if short_account is not None:
        raise _short_of(guarded[short_account], short_balance, -changes[short_account])
    if not posted:  # posted before under this key: nothing moved again
        return LedgerTransaction.objects.get(pk=txn_id), False
    txn = LedgerTransaction(
        pk=txn_id,
        kind=kind,
        idempotency_key=idempotency_key,
        reference_type=reference_type,
        reference_id=reference_id,
        memo=memo,
        created_at=created_at,
    )
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn, True


def memos_pseudonymise(*, text: str, pseudonym: str) -> int:
    """Replace `text` (an erased person's e-mail address) in every ledger memo by
    `pseudonym`. The one change a ledger row ever takes: the database trigger lets an
    UPDATE through only when nothing but the memo differs (migration
    0011_ledger_memo_pseudonymisation). Amounts and accounts never change, so every
    transaction still balances. Returns how many memos changed."""
    if not text:
        return 0
    changed = 0
    for row in LedgerTransaction.objects.filter(memo__contains=text).only("memo"):
        row.memo = row.memo.replace(text, pseudonym)[:300]
        row.save(update_fields=["memo"])
        changed += 1
    return changed
