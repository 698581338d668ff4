"""Reads of money: balances, histories, receipts, earnings over time."""

from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from payments import ledger
from payments.models import LedgerAccount, LedgerEntry, Payout, Purchase, Subscription, TopUp

Kind = LedgerAccount.Kind


def account_balance(*, user: User, kind: str, currency: str) -> int:
    """The balance of the user's account of that kind; 0 if it was never opened."""
    account = LedgerAccount.objects.filter(kind=kind, owner=user, currency=currency).first()
    return ledger.balance(account) if account else 0


def wallet_balance(*, user: User, currency: str) -> int:
    return account_balance(user=user, kind=Kind.WALLET, currency=currency)


def earnings_balance(*, user: User, currency: str) -> int:
    return account_balance(user=user, kind=Kind.EARNINGS, currency=currency)


def escrow_balance(*, user: User, currency: str) -> int:
    """What is held in escrow for this payer now (paid questions not yet settled)."""
    return account_balance(user=user, kind=Kind.ESCROW, currency=currency)


def balances(*, user: User, kind: str) -> list[dict]:
    """[{currency, balance}] for each currency the user has an account of that kind in."""
    accounts = LedgerAccount.objects.filter(owner=user, kind=kind).order_by("currency")
    return [{"currency": a.currency, "balance": ledger.balance(a)} for a in accounts]


def account_history(
    *, user: User, kind: str, tx_kind: str = "", since: date | None = None
) -> QuerySet[LedgerEntry]:
    """The user's entries on accounts of `kind`, newest first, with their transaction."""
    entries = (
        LedgerEntry.objects.filter(account__owner=user, account__kind=kind)
        .select_related("transaction")
        .order_by("-transaction__created_at", "-id")
    )
    if tx_kind:
        entries = entries.filter(transaction__kind=tx_kind)
    if since:
        entries = entries.filter(transaction__created_at__date__gte=since)
    return entries


def earnings_by_day(*, user: User, currency: str, days: int = 90) -> list[tuple[date, int]]:
    """Money earned per day (credits to earnings, before payouts), zero-filled."""
    start = timezone.now().date() - timedelta(days=days - 1)
    rows = (
        LedgerEntry.objects.filter(
            account__owner=user,
            account__kind=Kind.EARNINGS,
            account__currency=currency,
            amount__gt=0,
            transaction__kind__in=["tip", "purchase", "subscription"],
            transaction__created_at__date__gte=start,
        )
        .annotate(day=TruncDate("transaction__created_at"))
        .values("day")
        .annotate(total=Sum("amount"))
    )
    totals = {row["day"]: row["total"] for row in rows}
    return [
        (start + timedelta(days=i), totals.get(start + timedelta(days=i), 0)) for i in range(days)
    ]


def receipts(*, user: User) -> dict:
    return {
        "purchases": list(
            Purchase.objects.filter(buyer=user)
            .select_related("coupon_redemption__coupon")
            .order_by("-created_at")[:50]
        ),
        "top_ups": list(TopUp.objects.filter(user=user).order_by("-created_at")[:50]),
    }


def payouts_for(*, user: User) -> list[Payout]:
    return list(Payout.objects.filter(creator=user).order_by("-requested_at")[:50])


def pending_payouts_total(*, user: User, currency: str) -> int:
    return (
        Payout.objects.filter(
            creator=user, currency=currency, status=Payout.Status.REQUESTED
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def subscriptions_for(*, user: User) -> list[Subscription]:
    return list(
        Subscription.objects.filter(user=user)
        .select_related("tier", "tier__channel")
        .order_by("-created_at")
    )


def subscriptions_current(*, user: User) -> QuerySet[Subscription]:
    """The user's subscriptions that still bill or give access (not ended)."""
    return Subscription.objects.filter(user=user, status__in=["active", "trialing", "past_due"])


def purchases_for(*, user: User) -> QuerySet[Purchase]:
    """The user's tickets, newest first."""
    return Purchase.objects.filter(buyer=user).order_by("-created_at")
