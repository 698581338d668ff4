"""Reads of money: balances, histories, receipts, earnings over time."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from payments.ledger import balance_expression
from payments.models import (
    ConnectedAccount,
    Coupon,
    CouponGrant,
    CouponRedemption,
    LedgerAccount,
    LedgerEntry,
    Payout,
    PointsLot,
    Purchase,
    Subscription,
    TopUp,
)
from payments.rewards_models import POINTS_CURRENCY  # noqa: E402

Kind = LedgerAccount.Kind


def account_balance(*, user: User, kind: str, currency: str) -> int:
    """The balance of the user's account of that kind; 0 if it was never opened."""
    held = LedgerAccount.objects.filter(kind=kind, owner=user, currency=currency)
    current = held.annotate(current=balance_expression()).values_list("current", flat=True)
    return current.first() or 0


def wallet_balance(*, user: User, currency: str) -> int:
    return account_balance(user=user, kind=Kind.WALLET, currency=currency)


def earnings_balance(*, user: User, currency: str) -> int:
    return account_balance(user=user, kind=Kind.EARNINGS, currency=currency)


def escrow_balance(*, user: User, currency: str) -> int:
    """What is held in escrow for this payer now (paid questions not yet settled)."""
    return account_balance(user=user, kind=Kind.ESCROW, currency=currency)


def wallet_balances(*, user: User) -> list[dict]:
    """[{currency, balance}] of the user's wallets (what a checkout may say it holds)."""
    return balances(user=user, kind=Kind.WALLET)


def balances(*, user: User, kind: str) -> list[dict]:
    """[{currency, balance}] for each currency the user has an account of that kind in."""
    accounts = LedgerAccount.objects.filter(owner=user, kind=kind).order_by("currency")
    rows = accounts.annotate(current=balance_expression()).values_list("currency", "current")
    return [{"currency": currency, "balance": current} for currency, current in rows]


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


def subscription_for_channel(*, user: User, channel_id: int) -> Subscription | None:
    """The user's current subscription to any tier of the channel (the page's
    "Subscribed, renews on ..." state), or None; anonymous visitors have none."""
    if not user.is_authenticated:
        return None
    return (
        subscriptions_current(user=user)
        .filter(tier__channel_id=channel_id)
        .select_related("tier")
        .order_by("-created_at")
        .first()
    )


def purchases_for(*, user: User) -> QuerySet[Purchase]:
    """The user's tickets, newest first."""
    return Purchase.objects.filter(buyer=user).order_by("-created_at")


@dataclass(frozen=True)
class BalanceMismatch:
    account_id: int
    account: str
    balance: int  # the running balance (the account row and its shards)
    entries_sum: int  # what its entries add up to


def purchase_pending_off_site(
    *, buyer: User, course: Any = None, live_session: Any = None
) -> Purchase | None:
    """The buyer's WeChat Pay or Alipay purchase of this thing still waiting for them
    to pay (a second click resumes it rather than failing as "already under way")."""
    return (
        Purchase.objects.filter(
            buyer=buyer,
            course=course,
            live_session=live_session,
            status=Purchase.Status.PENDING,
            method__in=[Purchase.Method.WECHAT_PAY, Purchase.Method.ALIPAY],
        )
        .exclude(payment_intent_id="")
        .first()
    )


def ledger_mismatches() -> list[BalanceMismatch]:
    """Every account whose running balance differs from the sum of its entries.

    One statement, so balances and entries come from the same snapshot even while
    money moves. An empty list means the ledger reconciles."""
    total = (
        LedgerEntry.objects.filter(account=OuterRef("pk"))
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        LedgerAccount.objects.annotate(
            current=balance_expression(), entries_sum=Coalesce(Subquery(total), 0)
        )
        .exclude(current=F("entries_sum"))
        .select_related("owner")
        .order_by("pk")
    )
    return [
        BalanceMismatch(
            account_id=a.pk, account=str(a), balance=a.current, entries_sum=a.entries_sum
        )
        for a in rows
    ]


# --- points (a currency of their own: payments.rewards_models.POINTS_CURRENCY) -------


def points_balance(*, user: User) -> int:
    return account_balance(user=user, kind=Kind.POINTS, currency=POINTS_CURRENCY)


def points_history(*, user: User) -> QuerySet[LedgerEntry]:
    """The user's points movements, newest first."""
    return account_history(user=user, kind=Kind.POINTS)


def points_expiring(*, user: User) -> QuerySet[PointsLot]:
    """Lots that still hold points, soonest expiry first: what expires when."""
    return PointsLot.objects.filter(user=user, remaining__gt=0).order_by("expires_at", "pk")


def points_awarded_count(*, user: User, rule: str, since: datetime) -> int:
    """How many awards of `rule` the user got since `since` (for daily caps)."""
    return PointsLot.objects.filter(user=user, rule=rule, created_at__gte=since).count()


def coupons_in_wallet(*, user: User) -> QuerySet[CouponGrant]:
    return (
        CouponGrant.objects.filter(user=user)
        .select_related("coupon")
        .order_by("used_at", "-created_at")
    )


def coupons_points_catalogue() -> QuerySet[Coupon]:
    return Coupon.objects.filter(points_price__isnull=False, is_active=True).order_by(
        "points_price", "pk"
    )


def coupons_owned(*, user: User) -> QuerySet[Coupon]:
    """A creator's coupons, newest first."""
    return Coupon.objects.filter(owner=user).order_by("-created_at")


def coupon_redemptions(*, coupon: Coupon) -> QuerySet[CouponRedemption]:
    return coupon.redemptions.filter(released=False).select_related("user")


def coupon_sales(*, seller: User, limit: int = 50) -> list[CouponRedemption]:
    """The seller's discounted sales, newest first: what the earnings page shows."""
    return list(
        CouponRedemption.objects.filter(purchase__seller=seller, released=False)
        .exclude(purchase__status__in=[Purchase.Status.PENDING, Purchase.Status.FAILED])
        .select_related("coupon", "purchase")
        .order_by("-created_at")[:limit]
    )


def connected_account_for(*, user: User) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(user=user).first()
