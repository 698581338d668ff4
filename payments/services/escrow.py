"""Escrow: money held for a promise (a paid question, a paid live-room question).

hold:    payer's WALLET -> payer's ESCROW
release: that ESCROW -> the payee's EARNINGS, minus the platform fee for the income
refund:  that ESCROW -> back to the payer's WALLET, in full

Escrow accounts are per payer, so settling one question locks only its asker's
escrow row, never one platform-wide row that every settlement would queue on.
Release and refund find what to move in the hold's own transaction (the escrow
account it went to, the amount, the currency, the payer): holds made while live
priority questions still used the platform-wide escrow account (owner NULL) settle
from that account, and the caller only names the hold's idempotency key.

Every movement has an idempotency key chosen by the caller; repeating one moves
nothing and returns the first posting, so a retried job or a double click cannot
move the same money twice. A caller that wants release and refund to exclude each
other gives both the same key (paid Q&A does).

`payment_split` is the other shared shape: a wallet payment split between an earner,
a second beneficiary's wallet and the platform (the unlock of a paid answer).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from payments import ledger
from payments.ledger import Leg
from payments.models import LedgerEntry, LedgerTransaction
from payments.services.common import (
    Kind,
    account,
    income_legs,
    platform_fee,
    short_funds,
    validate_amount,
)

BPS = 10_000


@dataclass(frozen=True)
class EscrowMove:
    """What a release or refund moved: the held amount, of which `fee` went to the
    platform (0 for a refund)."""

    amount: int
    currency: str
    fee: int


@dataclass(frozen=True)
class Split:
    fee: int
    earner_share: int
    sharer_share: int


@transaction.atomic
def escrow_hold(
    *,
    payer: User,
    amount: int,
    currency: str,
    key: str,
    reference: tuple[str, str],
    memo: str,
    short_message: str = "",
    short_field: str | None = "amount",
    subsidy: int = 0,
) -> LedgerTransaction:
    """Wallet -> the payer's escrow, under idempotency key `key`.

    `subsidy` is a part of the price the platform pays for the payer (a staff
    coupon): it goes into escrow from PROMOTIONS beside the wallet's `amount`, so
    the payee is paid on the full price, and a refund gives it back to PROMOTIONS.

    Raises ValidationError (nothing moved) for a bad amount or a wallet that does not
    hold enough: `short_message` (with `%(detail)s`) on `short_field`, or on the
    whole form with code "insufficient_funds" if `short_field` is None.
    """
    validate_amount(amount=amount, currency=currency)
    message = short_message or _("Your wallet does not hold enough. %(detail)s")
    with short_funds(message, field=short_field, code="insufficient_funds"):
        return ledger.post(
            kind=LedgerTransaction.Kind.ESCROW_HOLD,
            idempotency_key=key,
            reference_type=reference[0],
            reference_id=reference[1],
            legs=[
                leg
                for leg in (
                    Leg(account(Kind.WALLET, currency, payer), -amount),
                    Leg(account(Kind.PROMOTIONS, currency), -subsidy),
                    Leg(account(Kind.ESCROW, currency, payer), amount + subsidy),
                )
                if leg.amount
            ],
            memo=memo,
        )


def _held(hold_key: str) -> tuple[LedgerTransaction, LedgerEntry, LedgerEntry]:
    """(hold transaction, its escrow entry, its wallet entry)."""
    hold = LedgerTransaction.objects.filter(
        idempotency_key=hold_key, kind=LedgerTransaction.Kind.ESCROW_HOLD
    ).first()
    if hold is None:
        raise ValueError(f"Nothing is held in escrow under {hold_key!r}.")
    entries = list(hold.entries.select_related("account"))
    escrow = next(e for e in entries if e.account.kind == Kind.ESCROW and e.amount > 0)
    wallet = next(e for e in entries if e.account.kind == Kind.WALLET and e.amount < 0)
    return hold, escrow, wallet


def _sources(hold: LedgerTransaction) -> list[LedgerEntry]:
    """The entries that paid into escrow: the wallet, and PROMOTIONS for a subsidy."""
    return [e for e in hold.entries.select_related("account") if e.amount < 0]


@transaction.atomic
def escrow_release(*, hold_key: str, payee: User, income: str, key: str, memo: str) -> EscrowMove:
    """Everything held under `hold_key` -> the payee's earnings, minus the platform
    fee for this kind of `income` (settings.PAYMENTS_FEE_BPS)."""
    hold, escrow, _wallet = _held(hold_key)
    fee = platform_fee(amount=escrow.amount, income=income)
    ledger.post(
        kind=LedgerTransaction.Kind.ESCROW_RELEASE,
        idempotency_key=key,
        reference_type=hold.reference_type,
        reference_id=hold.reference_id,
        legs=income_legs(
            source=escrow.account,
            amount=escrow.amount,
            currency=escrow.currency,
            payee=payee,
            fee=fee,
        ),
        memo=memo,
    )
    return EscrowMove(amount=escrow.amount, currency=escrow.currency, fee=fee)


@transaction.atomic
def escrow_refund(*, hold_key: str, key: str, memo: str) -> EscrowMove:
    """Everything held under `hold_key` -> back to where it came from (the wallet, and
    PROMOTIONS for a platform subsidy)."""
    hold, escrow, _wallet = _held(hold_key)
    ledger.post(
        kind=LedgerTransaction.Kind.ESCROW_REFUND,
        idempotency_key=key,
        reference_type=hold.reference_type,
        reference_id=hold.reference_id,
        legs=[Leg(escrow.account, -escrow.amount)]
        + [Leg(source.account, -source.amount) for source in _sources(hold)],
        memo=memo,
    )
    return EscrowMove(amount=escrow.amount, currency=escrow.currency, fee=0)


@transaction.atomic
def payment_split(
    *,
    payer: User,
    amount: int,
    currency: str,
    income: str,
    earner: User,
    sharer: User,
    earner_share_bps: int,
    key: str,
    reference: tuple[str, str],
    memo: str,
    short_message: str,
) -> Split:
    """Payer's wallet -> the platform fee for `income`, then what is left split:
    `earner_share_bps` of it to the earner's earnings, the rest to the sharer's wallet.

    Raises ValidationError (code "insufficient_funds", `short_message` with
    `%(detail)s`) and moves nothing if the wallet does not hold enough.
    """
    validate_amount(amount=amount, currency=currency, maximum=settings.MARKETPLACE_MAX_PRICE_MINOR)
    fee = platform_fee(amount=amount, income=income)
    earner_share = (amount - fee) * earner_share_bps // BPS
    sharer_share = amount - fee - earner_share
    legs = [Leg(account(Kind.WALLET, currency, payer), -amount)]
    if earner_share:
        legs.append(Leg(account(Kind.EARNINGS, currency, earner), earner_share))
    if sharer_share:
        legs.append(Leg(account(Kind.WALLET, currency, sharer), sharer_share))
    if fee:
        legs.append(Leg(account(Kind.PLATFORM_REVENUE, currency), fee))
    with short_funds(short_message, code="insufficient_funds"):
        ledger.post(
            kind=LedgerTransaction.Kind.UNLOCK,
            idempotency_key=key,
            reference_type=reference[0],
            reference_id=reference[1],
            legs=legs,
            memo=memo,
        )
    return Split(fee=fee, earner_share=earner_share, sharer_share=sharer_share)
