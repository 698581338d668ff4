"""Points (积分): a currency of their own on the ledger, earned by taking part.

Points are posted in `POINTS_CURRENCY` between a user's POINTS account and the
platform's POINTS_ISSUED / POINTS_REDEEMED / POINTS_EXPIRED accounts. The ledger
balances per currency, so no posting can turn points into money or money into
points, and nothing here pays points out. Each award is a `PointsLot`, which says
when those points expire; spending, expiry and clawback use lots oldest first.

award:    POINTS_ISSUED -> user's POINTS     (once per user and source action)
spend:    user's POINTS -> POINTS_REDEEMED   (a catalogue coupon, a discount)
expire:   user's POINTS -> POINTS_EXPIRED    (a lot past its date, by a beat job)
clawback: user's POINTS -> POINTS_ISSUED     (the action was undone)
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.refusals import Conflict
from payments import ledger
from payments.ledger import Leg
from payments.models import Coupon, CouponGrant, LedgerAccount, LedgerTransaction, PointsLot
from payments.rewards_models import POINTS_CURRENCY
from payments.services.common import Kind, account
from payments.services.coupons import coupon_grant

TxKind = LedgerTransaction.Kind


def _points_account(user: User) -> LedgerAccount:
    return account(Kind.POINTS, POINTS_CURRENCY, user)


def _locked_balance(user: User) -> int:
    """Lock the user's points account (so spends, expiries and clawbacks of one user
    queue) and return its balance."""
    acct = _points_account(user)
    LedgerAccount.objects.select_for_update().filter(pk=acct.pk).first()
    return ledger.balance(acct)


def _post(*, kind: str, key: str, user: User, amount: int, other: str, memo: str) -> None:
    """Move `amount` points out of the user's account to `other` (negative: into it)."""
    ledger.post(
        kind=kind,
        idempotency_key=key,
        reference_type="payments.points",
        reference_id=str(user.pk),
        legs=[
            Leg(_points_account(user), -amount),
            Leg(account(other, POINTS_CURRENCY), amount),
        ],
        memo=memo,
    )


@transaction.atomic
def points_award(
    *, user: User, amount: int, rule: str, source: str, expires_at: datetime | None = None
) -> PointsLot | None:
    """Give `amount` points for `source` (an action, e.g. "purchase:12"), once.

    Returns the lot, or None if that action was already rewarded.
    """
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"Points are positive whole numbers, not {amount!r}.")
    if PointsLot.objects.filter(user=user, source=source).exists():
        return None
    expires_at = expires_at or timezone.now() + timedelta(days=settings.POINTS_EXPIRY_DAYS)
    try:
        with transaction.atomic():
            lot = PointsLot.objects.create(
                user=user,
                rule=rule,
                source=source[:100],
                amount=amount,
                remaining=amount,
                expires_at=expires_at,
            )
    except IntegrityError:  # the same action rewarded at the same moment
        return None
    _post(
        kind=TxKind.POINTS_AWARD,
        key=f"points:award:{lot.pk}",
        user=user,
        amount=-amount,
        other=Kind.POINTS_ISSUED,
        memo=f"{rule}: {source}"[:300],
    )
    return lot


def _consume(user: User, amount: int, first: PointsLot | None = None) -> None:
    """Caller holds the points account lock. Take `amount` from the user's live
    lots, `first` before the others, then oldest expiry first."""
    lots = list(
        PointsLot.objects.select_for_update()
        .filter(user=user, remaining__gt=0)
        .order_by("expires_at", "pk")
    )
    if first is not None:
        lots.sort(key=lambda lot: lot.pk != first.pk)
    for lot in lots:
        if amount == 0:
            break
        take = min(lot.remaining, amount)
        lot.remaining -= take
        amount -= take
        lot.save(update_fields=["remaining"])


@transaction.atomic
def points_spend(*, user: User, amount: int, key: str, memo: str) -> None:
    """Spend points oldest first; ValidationError (nothing spent) if too few."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError(_("Spend a positive whole number of points."))
    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        return
    held = _locked_balance(user)
    if held < amount:
        raise Conflict(
            _("You have %(have)d points and this needs %(need)d.") % {"have": held, "need": amount},
            code="insufficient_points",
        )
    _consume(user, amount)
    _post(
        kind=TxKind.POINTS_SPEND,
        key=key,
        user=user,
        amount=amount,
        other=Kind.POINTS_REDEEMED,
        memo=memo,
    )


@transaction.atomic
def points_clawback(*, user: User, source: str) -> int:
    """Undo the award for `source` (a refund, a deletion, a moderation hide).

    Takes back what the award gave, from that lot first and then from the others,
    but never more than the user holds (points already spent stay spent, as
    Twitch does); returns how many points were taken back.
    """
    lot = PointsLot.objects.select_for_update().filter(user=user, source=source).first()
    if lot is None or lot.clawed_back:
        return 0
    take = min(lot.amount, _locked_balance(user))
    lot.clawed_back = True
    lot.save(update_fields=["clawed_back"])
    if take:
        _consume(user, take, first=lot)
        _post(
            kind=TxKind.POINTS_CLAWBACK,
            key=f"points:clawback:{lot.pk}",
            user=user,
            amount=take,
            other=Kind.POINTS_ISSUED,
            memo=f"undone: {source}"[:300],
        )
    return take


def points_expire_due(*, now: datetime | None = None) -> int:
    """Expire every lot past its date (oldest first); returns the points expired."""
    now = now or timezone.now()
    expired = 0
    due = PointsLot.objects.filter(expires_at__lte=now, remaining__gt=0).order_by(
        "expires_at", "pk"
    )
    for lot_pk, user_id in due.values_list("pk", "user_id"):
        with transaction.atomic():
            user = User.objects.get(pk=user_id)
            _locked_balance(user)
            lot = PointsLot.objects.select_for_update().get(pk=lot_pk)
            if lot.remaining == 0:
                continue
            amount = lot.remaining
            lot.remaining = 0
            lot.save(update_fields=["remaining"])
            _post(
                kind=TxKind.POINTS_EXPIRE,
                key=f"points:expire:{lot.pk}",
                user=user,
                amount=amount,
                other=Kind.POINTS_EXPIRED,
                memo=f"expired: {lot.rule}",
            )
            expired += amount
    return expired


@transaction.atomic
def points_buy_coupon(*, user: User, coupon: Coupon, key: str) -> CouponGrant:
    """Exchange points for a catalogue coupon, put in the user's coupon wallet."""
    if coupon.points_price is None or not coupon.is_active:
        raise ValidationError(_("This coupon is not in the points catalogue."))
    if coupon.ends_at and coupon.ends_at <= timezone.now():
        raise ValidationError(_("This coupon has expired."))
    grant_key = f"points:{user.pk}:{key}"
    existing = CouponGrant.objects.filter(key=grant_key).first()
    if existing is not None:
        return existing
    points_spend(
        user=user,
        amount=coupon.points_price,
        key=f"points:spend:{grant_key}",
        memo=f"Coupon {coupon.code}",
    )
    return coupon_grant(coupon=coupon, user=user, reason="points", key=grant_key)
