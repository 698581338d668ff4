"""Posting to the ledger: the one function that writes ledger rows.

`post()` checks that a transaction balances, locks every account it touches (one
SELECT ... FOR UPDATE in primary-key order, so two postings can never deadlock),
checks the balances of the accounts that must not go negative under that lock, and
writes the transaction, its entries and the accounts' running balances, all in the
caller's transaction (no savepoint of its own: it raises before writing anything).
A second `post()` with the same idempotency key returns the first transaction and
writes nothing, whether it comes later or at the same moment.

The ids of system accounts (platform revenue, Stripe clearing, payouts: no owner)
are cached per process; a cached id that no longer exists (a test database rolled
back) is noticed by the lock and looked up again.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction


class InsufficientFunds(ValidationError):
    """A debit would take an account that must stay non-negative below zero."""


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount: int  # signed minor units, in the account's currency


# (kind, currency) -> the system account (no owner); they are never deleted.
_system_accounts: dict[tuple[str, str], LedgerAccount] = {}


def account_get(*, kind: str, currency: str, owner: User | None = None) -> LedgerAccount:
    """The account of that kind, owner and currency, created on first use."""
    if owner is None and (kind, currency) in _system_accounts:
        return _system_accounts[(kind, currency)]
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
        _system_accounts[(kind, currency)] = account
    return account


def system_accounts_forget() -> None:
    """Drop the cached system account ids (tests whose database is rolled back)."""
    _system_accounts.clear()


def balance(account: LedgerAccount) -> int:
    """The account's balance now: one primary-key row read."""
    held = LedgerAccount.objects.filter(pk=account.pk).values_list("balance", flat=True).first()
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
    if connection.in_atomic_block:
        return _post(kind, idempotency_key, reference_type, str(reference_id), legs, memo)
    with transaction.atomic():
        return _post(kind, idempotency_key, reference_type, str(reference_id), legs, memo)


def _lock(legs: Sequence[Leg]) -> tuple[Sequence[Leg], dict[int, int]]:
    """Lock every account of `legs` in primary-key order; returns the legs (with any
    stale cached system account looked up again) and {account id: balance}."""
    held = _locked_balances(legs)
    if all(leg.account.pk in held for leg in legs):
        return legs, held
    # A cached system account is gone (only a rolled-back test database does that).
    system_accounts_forget()
    fresh = [
        leg
        if leg.account.pk in held
        else Leg(account_get(kind=leg.account.kind, currency=leg.account.currency), leg.amount)
        for leg in legs
    ]
    return fresh, _locked_balances(fresh)


def _locked_balances(legs: Sequence[Leg]) -> dict[int, int]:
    ids = {leg.account.pk for leg in legs}
    rows = LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return dict(rows.values_list("pk", "balance"))


def _post(
    kind: str,
    idempotency_key: str,
    reference_type: str,
    reference_id: str,
    legs: Sequence[Leg],
    memo: str,
) -> tuple[LedgerTransaction, bool]:
    """Caller holds a transaction. Locks before looking for an earlier posting with
    the key: a concurrent twin (the same key moves the same accounts) that held the
    locks has committed by the time we get them, and we see its row."""
    legs, held = _lock(legs)
    existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:  # posted before under this key: nothing moves again
        return existing, False
    changes: dict[int, int] = defaultdict(int)
    for leg in legs:
        changes[leg.account.pk] += leg.amount
    for leg in legs:
        pk = leg.account.pk
        change = changes[pk]
        if change < 0 and leg.account.kind in LedgerAccount.NON_NEGATIVE and held[pk] + change < 0:
            raise InsufficientFunds(
                _("Not enough money: the balance is %(balance)s and this needs %(need)s.")
                % {
                    "balance": format_money(held[pk], leg.account.currency),
                    "need": format_money(-change, leg.account.currency),
                },
                code="insufficient_funds",
            )

    txn = LedgerTransaction.objects.create(
        kind=kind,
        idempotency_key=idempotency_key,
        reference_type=reference_type,
        reference_id=reference_id,
        memo=memo[:300],
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn, account=leg.account, amount=leg.amount, currency=leg.account.currency
        )
        for leg in legs
    )
    # One UPDATE for every account; the rows are locked already (in id order).
    LedgerAccount.objects.filter(pk__in=changes).update(
        balance=F("balance")
        + Case(*(When(pk=pk, then=Value(change)) for pk, change in changes.items()))
    )
    return txn, True
