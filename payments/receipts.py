"""Reads of the learner's order history: one receipt per payment, whatever it paid
for and however (card top-ups, tickets and courses, subscription charges, and what
the wallet paid for: tips, paid questions, unlocks), refunds included.

A receipt is addressed as `<kind>-<id>`: "topup-12", "purchase-5", "charge-3" (a
subscription invoice) or "wallet-77" (a wallet ledger entry).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Purchase,
    SubscriptionCharge,
    TopUp,
)

TxKind = LedgerTransaction.Kind
# What the wallet paid for or got back that has no record of its own here (tickets
# and courses bought from the wallet are Purchases; top-ups are TopUps).
WALLET_KINDS = [TxKind.TIP, TxKind.ESCROW_HOLD, TxKind.UNLOCK, TxKind.ESCROW_REFUND, TxKind.REFUND]
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Receipt:
    key: str  # "<kind>-<id>", the receipt's address
    at: datetime
    what: str  # the kind of payment, as the learner calls it
    title: str  # what it paid for
    amount: int  # what moved, positive; `is_refund` says which way
    currency: str
    method: str
    status: str
    refunded: int = 0
    is_refund: bool = False  # money back to the learner
    note: str = ""
    status_code: str = "paid"  # the record's own status value

    @property
    def charged(self) -> bool:
        """Did money move? Failed, expired and still-waiting payments did not."""
        return self.status_code in ("paid", "succeeded", "refunded", "partially_refunded")


def _wallet_what(kind: str) -> str:
    names: dict[str, str] = {
        TxKind.TIP: _("Tip"),
        TxKind.ESCROW_HOLD: _("Paid question"),
        TxKind.UNLOCK: _("Answer unlock"),
        TxKind.ESCROW_REFUND: _("Paid question refunded"),
        TxKind.REFUND: _("Refund"),
    }
    return names.get(kind, kind)


def _top_up(t: TopUp) -> Receipt:
    return Receipt(
        key=f"topup-{t.pk}",
        at=t.created_at,
        what=_("Wallet top-up"),
        title=_("Wallet top-up"),
        amount=t.amount,
        currency=t.currency,
        method=_("Card"),
        status=t.get_status_display(),
        status_code=t.status,
        refunded=t.refunded_amount,
        note=t.failure_message,
    )


def _purchase(p: Purchase) -> Receipt:
    what = _("Course") if p.course_id else _("Ticket")
    return Receipt(
        key=f"purchase-{p.pk}",
        at=p.paid_at or p.created_at,
        what=what,
        title=p.title,
        amount=p.amount,
        currency=p.currency,
        method=p.get_method_display(),
        status=p.get_status_display(),
        status_code=p.status,
        refunded=p.refunded_amount,
        note=p.failure_message,
    )


def _charge(c: SubscriptionCharge) -> Receipt:
    tier = c.tier or c.subscription.tier
    until = c.period_end.date().isoformat()
    return Receipt(
        key=f"charge-{c.pk}",
        at=c.paid_at,
        what=_("Subscription tier change") if c.is_tier_change else _("Subscription"),
        title=f"{tier.channel.title}: {tier.name}",
        amount=c.amount,
        currency=c.currency,
        method=_("Card"),
        status=pgettext("payment status", "Paid"),
        note=(
            _("Tier change: the difference until %(date)s") % {"date": until}
            if c.is_tier_change
            else _("Paid until %(date)s") % {"date": until}
        ),
    )


def _wallet(e: LedgerEntry) -> Receipt:
    back = e.amount > 0
    return Receipt(
        key=f"wallet-{e.pk}",
        at=e.transaction.created_at,
        what=_wallet_what(e.transaction.kind),
        title=_wallet_what(e.transaction.kind),
        amount=abs(e.amount),
        currency=e.currency,
        method=_("Wallet"),
        status=_("Refunded to your wallet") if back else pgettext("payment status", "Paid"),
        status_code="refunded" if back else "paid",
        is_refund=back,
    )


def _top_ups(user: User) -> QuerySet[TopUp]:
    return TopUp.objects.filter(user=user)


def _purchases(user: User) -> QuerySet[Purchase]:
    return Purchase.objects.filter(buyer=user)


def _charges(user: User) -> QuerySet[SubscriptionCharge]:
    return SubscriptionCharge.objects.filter(subscription__user=user).select_related(
        "subscription__tier__channel", "tier__channel"
    )


def _wallet_entries(user: User) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        account__owner=user,
        account__kind=LedgerAccount.Kind.WALLET,
        transaction__kind__in=WALLET_KINDS,
    ).select_related("transaction")


def receipts_for(*, user: User, limit: int = HISTORY_LIMIT) -> list[Receipt]:
    """Every payment of the user, newest first (four queries)."""
    rows = [
        *(_top_up(t) for t in _top_ups(user).order_by("-created_at")[:limit]),
        *(_purchase(p) for p in _purchases(user).order_by("-created_at")[:limit]),
        *(_charge(c) for c in _charges(user).order_by("-paid_at")[:limit]),
        *(_wallet(e) for e in _wallet_entries(user).order_by("-transaction__created_at")[:limit]),
    ]
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit]


# A receipt's address prefix: how to find the user's records of that kind and how to
# read one as a receipt.
_SOURCES: dict[str, tuple[Callable[[User], QuerySet[Any]], Callable[[Any], Receipt]]] = {
    "topup": (_top_ups, _top_up),
    "purchase": (_purchases, _purchase),
    "charge": (_charges, _charge),
    "wallet": (_wallet_entries, _wallet),
}


def receipt_get_for_user(*, user: User, key: str) -> Receipt:
    """One receipt of this user's; 404 for anyone else's or a key that is not one."""
    kind, _sep, raw_id = key.partition("-")
    source = _SOURCES.get(kind)
    if source is None or not raw_id.isdigit():
        raise Http404
    records, as_receipt = source
    record = records(user).filter(pk=int(raw_id)).first()
    if record is None:
        raise Http404
    return as_receipt(record)
