"""Posting to the ledger: the one function that writes ledger rows.

`post()` checks that a transaction balances, locks the people's accounts it
touches (one SELECT ... FOR UPDATE in primary-key order), checks the balances of
the accounts that must not go negative under that lock, writes the transaction and
its entries, and adds to the running balances: the people's accounts in one UPDATE
(already locked), then the system accounts (platform revenue, Stripe clearing,
payouts: no owner), one at a time in id order, last. Every posting thus locks in
one total order (people's accounts by id, then system accounts by id), so two
postings can never deadlock, and the system rows that every tip touches are held
only from their UPDATE to the commit. All in the caller's transaction (no savepoint
of its own: it raises before writing anything). A second `post()` with the same
idempotency key returns the first transaction and writes nothing, whether it comes
later or at the same moment.

The ids of system accounts are cached per process (they are never deleted; tests
forget them between tests, `system_accounts_forget`).
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


def _locked_balances(legs: Sequence[Leg]) -> dict[int, int]:
    """Lock the people's accounts of `legs` (wallets, earnings, escrow, payouts on
    hold) in primary-key order; returns {account id: balance}."""
    ids = {
        leg.account.pk
        for leg in legs
        if leg.account.owner_id is not None or leg.account.kind in LedgerAccount.NON_NEGATIVE
    }
    rows = LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return dict(rows.values_list("pk", "balance"))


def _add_to_system_balances(changes: dict[int, int]) -> None:
    """The system accounts' share, last and one row at a time in id order: every
    posting takes people's accounts first (id order), then system accounts (id order),
    one total order, so postings never deadlock; and the rows every posting touches
    (platform revenue, Stripe clearing) stay locked only from here to the commit."""
    for pk in sorted(changes):
        if not LedgerAccount.objects.filter(pk=pk).update(balance=F("balance") + changes[pk]):
            system_accounts_forget()  # only a rolled-back test database does this
            raise RuntimeError(f"ledger account {pk} vanished; its cached id was forgotten")


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
    held = _locked_balances(legs)
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
    people = {pk: change for pk, change in changes.items() if pk in held}
    if people:  # one UPDATE; the rows are locked already
        LedgerAccount.objects.filter(pk__in=people).update(
            balance=F("balance")
            + Case(*(When(pk=pk, then=Value(change)) for pk, change in people.items()))
        )
    _add_to_system_balances({pk: c for pk, c in changes.items() if pk not in held})
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
