"""Posting to the ledger: the one function that writes ledger rows.

`post()` checks that a transaction balances, takes row locks on the accounts it
debits that must not go negative (in primary-key order, so two postings can never
deadlock), checks their balances under the lock, and writes the transaction and its
entries. A second `post()` with the same idempotency key returns the first
transaction and writes nothing, whether it comes later or at the same moment.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
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


def account_get(*, kind: str, currency: str, owner: User | None = None) -> LedgerAccount:
    """The account of that kind, owner and currency, created on first use."""
    lookup = {"kind": kind, "currency": currency, "owner": owner}
    account = LedgerAccount.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(**lookup)
    except IntegrityError:
        # Created by a concurrent request between our read and our insert.
        return LedgerAccount.objects.get(**lookup)


def balance(account: LedgerAccount) -> int:
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


@transaction.atomic
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
    _check_balanced(legs)

    debited = sorted(
        {
            leg.account.pk
            for leg in legs
            if leg.amount < 0 and leg.account.kind in LedgerAccount.NON_NEGATIVE
        }
    )
    # Lock before looking for an earlier posting with this key: a concurrent twin
    # that held the lock has committed by the time we get it, and we see its row.
    locked = {
        account.pk: account
        for account in LedgerAccount.objects.select_for_update()
        .filter(pk__in=debited)
        .order_by("pk")
    }

    existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing

    debits: dict[int, int] = defaultdict(int)
    for leg in legs:
        if leg.account.pk in locked:
            debits[leg.account.pk] += leg.amount
    for pk, change in debits.items():
        held = balance(locked[pk])
        if change < 0 and held + change < 0:
            currency = locked[pk].currency
            raise InsufficientFunds(
                _("Not enough money: the balance is %(balance)s and this needs %(need)s.")
                % {
                    "balance": format_money(held, currency),
                    "need": format_money(-change, currency),
                },
                code="insufficient_funds",
            )

    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                kind=kind,
                idempotency_key=idempotency_key,
                reference_type=reference_type,
                reference_id=str(reference_id),
                memo=memo[:300],
            )
    except IntegrityError:
        # A twin without debits to lock (a credit-only replay) won the race.
        return LedgerTransaction.objects.get(idempotency_key=idempotency_key)
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn, account=leg.account, amount=leg.amount, currency=leg.account.currency
        )
        for leg in legs
    )
    return txn


def memos_pseudonymise(*, text: str, pseudonym: str) -> int:
    """Replace `text` (an erased person's e-mail address) in every ledger memo by
    `pseudonym`. The one change a ledger row ever takes: the database trigger lets an
    UPDATE through only when nothing but the memo differs (migration
    0008_ledger_memo_pseudonymisation). Amounts and accounts never change, so every
    transaction still balances. Returns how many memos changed."""
    if not text:
        return 0
    changed = 0
    for row in LedgerTransaction.objects.filter(memo__contains=text).only("memo"):
        row.memo = row.memo.replace(text, pseudonym)[:300]
        row.save(update_fields=["memo"])
        changed += 1
    return changed
