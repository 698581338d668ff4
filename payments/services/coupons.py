"""Coupons: made by a creator (their products, they bear the discount) or by staff
(anything, the platform bears it); redeemed at checkout under a row lock, so a
limited code is never over-redeemed however many buyers press "pay" at once.

A redemption is written in the same transaction as the sale it discounts; the
sale's ledger posting (`discounted_sale_legs`) keeps creator earnings and platform
revenue exact: a creator's coupon lowers what the creator earns (the fee is taken
on what was paid); a staff coupon is paid by the platform's PROMOTIONS account, so
the creator earns as if the buyer had paid the full price.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money
from core.refusals import Conflict
from payments.ledger import Leg
from payments.models import (
    Coupon,
    CouponGrant,
    CouponRedemption,
    LedgerAccount,
    Purchase,
)
from payments.services.common import Kind, account, validate_amount

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")


@dataclass(frozen=True)
class CouponTarget:
    """What a coupon is applied to, as the selling app states it."""

    amount: int
    currency: str
    seller: User
    # ("course", 3), ("session", 9), ("tier", 2), ("questions", 0): what the thing is.
    scopes: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def code_normalise(code: str) -> str:
    return (code or "").strip().upper()


@transaction.atomic
def coupon_create(
    *,
    created_by: User,
    owner: User | None,
    kind: str,
    code: str = "",
    title: str = "",
    percent_off: int | None = None,
    amount_off: int | None = None,
    currency: str = "",
    scope: str = Coupon.Scope.EVERYTHING,
    scope_id: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    max_redemptions: int | None = None,
    per_user_limit: int = 1,
    first_purchase_only: bool = False,
    min_amount: int = 0,
    wallet_only: bool = False,
    points_price: int | None = None,
) -> Coupon:
    """A new coupon. `owner` None is a staff coupon (only staff may make one)."""
    if owner is None and not created_by.is_staff:
        raise ValidationError(_("Only staff can make platform-wide coupons."))
    if owner is not None and owner.pk != created_by.pk and not created_by.is_staff:
        raise ValidationError(_("You can only make coupons for your own products."))
    code = code_normalise(code) or secrets.token_hex(4).upper()
    if not CODE_RE.match(code):
        raise ValidationError(
            {"code": _("A code is 3 to 32 letters, digits, - or _, e.g. SPRING20.")}
        )
    if Coupon.objects.filter(code=code).exists():
        raise Conflict({"code": _("That code is taken; choose another.")})
    if kind == Coupon.Kind.PERCENT:
        if not isinstance(percent_off, int) or not 1 <= percent_off <= 100:
            raise ValidationError({"percent_off": _("A percentage is a whole number 1 to 100.")})
        amount_off = None
    elif kind == Coupon.Kind.FIXED:
        validate_amount(amount=amount_off, currency=currency)
        percent_off = None
    else:
        raise ValidationError({"kind": _("Choose percent or a fixed amount.")})
    if scope not in Coupon.Scope.values:
        raise ValidationError({"scope": _("Choose what the coupon applies to.")})
    if scope in (Coupon.Scope.COURSE, Coupon.Scope.TIER, Coupon.Scope.SESSION) and not scope_id:
        raise ValidationError({"scope_id": _("Choose the product the coupon applies to.")})
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    if max_redemptions is not None and max_redemptions < 1:
        raise ValidationError({"max_redemptions": _("Allow at least one use, or leave empty.")})
    if per_user_limit < 1:
        raise ValidationError({"per_user_limit": _("Allow each buyer at least one use.")})
    if min_amount < 0:
        raise ValidationError({"min_amount": _("The minimum price cannot be negative.")})
    return Coupon.objects.create(
        code=code,
        title=title[:120],
        owner=owner,
        created_by=created_by,
        kind=kind,
        percent_off=percent_off,
        amount_off=amount_off,
        currency=currency if kind == Coupon.Kind.FIXED else "",
        scope=scope,
        scope_id=scope_id
        if scope not in (Coupon.Scope.EVERYTHING, Coupon.Scope.QUESTIONS)
        else None,
        starts_at=starts_at,
        ends_at=ends_at,
        max_redemptions=max_redemptions,
        per_user_limit=per_user_limit,
        first_purchase_only=first_purchase_only,
        min_amount=min_amount,
        wallet_only=wallet_only,
        points_price=points_price,
    )


def coupon_discount(coupon: Coupon, amount: int) -> int:
    """The discount on `amount`, never more than the amount (rounded down)."""
    if coupon.kind == Coupon.Kind.PERCENT:
        return amount * (coupon.percent_off or 0) // 100
    return min(coupon.amount_off or 0, amount)


def _refuse(message: str) -> None:
    raise ValidationError({"coupon": message}, code="coupon")


def coupon_check(coupon: Coupon, *, user: User, target: CouponTarget) -> int:
    """Raise ValidationError (field "coupon") unless `user` may use `coupon` on
    `target` now; return the discount. Counts are exact only under the coupon's
    row lock (coupon_redeem holds it)."""
    now = timezone.now()
    if not coupon.is_active:
        _refuse(_("This coupon is no longer valid."))
    if coupon.starts_at and now < coupon.starts_at:
        _refuse(_("This coupon is not valid yet."))
    if coupon.ends_at and now >= coupon.ends_at:
        _refuse(_("This coupon has expired."))
    if coupon.owner_id is not None and coupon.owner_id != target.seller.pk:
        _refuse(_("This coupon is for another creator's products."))
    if coupon.owner_id == user.pk:
        _refuse(_("You cannot use your own coupon."))
    if coupon.scope != Coupon.Scope.EVERYTHING and (
        (coupon.scope, coupon.scope_id or 0) not in target.scopes
    ):
        _refuse(_("This coupon does not apply to this product."))
    if coupon.kind == Coupon.Kind.FIXED and coupon.currency != target.currency:
        _refuse(_("This coupon is in another currency."))
    if target.amount < coupon.min_amount:
        _refuse(
            _("This coupon needs a price of at least %(min)s.")
            % {"min": format_money(coupon.min_amount, target.currency)}
        )
    if coupon.max_redemptions is not None and coupon.redeemed_count >= coupon.max_redemptions:
        _refuse(_("This coupon has been used up."))
    used = CouponRedemption.objects.filter(coupon=coupon, user=user, released=False).count()
    if used >= coupon.per_user_limit:
        _refuse(_("You have already used this coupon."))
    if coupon.first_purchase_only:
        earlier = Purchase.objects.filter(buyer=user).exclude(
            status__in=[Purchase.Status.PENDING, Purchase.Status.FAILED]
        )
        if coupon.owner_id is not None:
            earlier = earlier.filter(seller_id=coupon.owner_id)
        if earlier.exists():
            _refuse(_("This coupon is for a first purchase only."))
    if coupon.wallet_only and not _unused_grant(coupon, user).exists():
        _refuse(_("This coupon is not in your coupon wallet."))
    return coupon_discount(coupon, target.amount)


def _unused_grant(coupon: Coupon, user: User):  # type: ignore[no-untyped-def]
    return CouponGrant.objects.filter(coupon=coupon, user=user, used_at__isnull=True)


def coupon_find(code: str) -> Coupon:
    coupon = Coupon.objects.filter(code=code_normalise(code)).first()
    if coupon is None:
        _refuse(_("There is no coupon with the code “%(code)s”.") % {"code": code.strip()})
    assert coupon is not None
    return coupon


def coupon_preview(*, code: str, user: User, target: CouponTarget) -> tuple[Coupon, int]:
    """(coupon, discount) if the code applies now; raises ValidationError otherwise.
    Writes nothing: the checkout page shows the price before the buyer pays."""
    coupon = coupon_find(code)
    return coupon, coupon_check(coupon, user=user, target=target)


@transaction.atomic
def coupon_redeem(
    *, code: str, user: User, target: CouponTarget, reference: str = ""
) -> CouponRedemption:
    """Use the coupon on `target` once, within its limits; raise ValidationError
    (field "coupon") and write nothing if it does not apply.

    The coupon row is locked for the check and the count, so 50 buyers racing for a
    10-use code get exactly 10 redemptions; the database's check constraint is the
    second guard.
    """
    validate_amount(amount=target.amount, currency=target.currency)
    found = coupon_find(code)
    coupon = Coupon.objects.select_for_update().get(pk=found.pk)
    discount = coupon_check(coupon, user=user, target=target)
    Coupon.objects.filter(pk=coupon.pk).update(redeemed_count=F("redeemed_count") + 1)
    if coupon.wallet_only:
        grant = _unused_grant(coupon, user).order_by("pk").first()
        assert grant is not None  # checked above, under the coupon lock
        grant.used_at = timezone.now()
        grant.save(update_fields=["used_at"])
    return CouponRedemption.objects.create(
        coupon=coupon,
        user=user,
        reference=reference[:100],
        list_amount=target.amount,
        discount=discount,
        currency=target.currency,
        bearer=coupon.bearer,
    )


@transaction.atomic
def coupon_release(redemption: CouponRedemption) -> None:
    """Give a redemption back (its payment failed or was given up on): it stops
    counting against the code's limits, and a coupon from the buyer's wallet goes
    back into the wallet. Releasing twice changes nothing."""
    locked = CouponRedemption.objects.select_for_update().get(pk=redemption.pk)
    if locked.released:
        return
    coupon = Coupon.objects.select_for_update().get(pk=locked.coupon_id)
    Coupon.objects.filter(pk=coupon.pk).update(redeemed_count=F("redeemed_count") - 1)
    if coupon.wallet_only:
        grant = (
            CouponGrant.objects.filter(coupon=coupon, user_id=locked.user_id)
            .exclude(used_at=None)
            .order_by("-used_at", "-pk")
            .first()
        )
        if grant is not None:
            grant.used_at = None
            grant.save(update_fields=["used_at"])
    locked.released = True
    locked.save(update_fields=["released"])


@transaction.atomic
def coupon_reclaim(redemption: CouponRedemption) -> None:
    """A payment given up on was paid after all, at the discounted price: the
    redemption counts again (and takes its wallet coupon again) where the code still
    has room. The buyer keeps the discount either way: it is what they were charged."""
    locked = CouponRedemption.objects.select_for_update().get(pk=redemption.pk)
    if not locked.released:
        return
    coupon = Coupon.objects.select_for_update().get(pk=locked.coupon_id)
    if coupon.max_redemptions is None or coupon.redeemed_count < coupon.max_redemptions:
        Coupon.objects.filter(pk=coupon.pk).update(redeemed_count=F("redeemed_count") + 1)
    if coupon.wallet_only:
        grant = _unused_grant(coupon, locked.user).order_by("pk").first()
        if grant is not None:
            grant.used_at = timezone.now()
            grant.save(update_fields=["used_at"])
    locked.released = False
    locked.save(update_fields=["released"])


@transaction.atomic
def coupon_grant(*, coupon: Coupon, user: User, reason: str, key: str) -> CouponGrant:
    """Put a coupon in a user's wallet, once per `key`."""
    grant, _created = CouponGrant.objects.get_or_create(
        key=key, defaults={"coupon": coupon, "user": user, "reason": reason[:60]}
    )
    return grant


@transaction.atomic
def coupon_deactivate(*, coupon: Coupon, by: User) -> Coupon:
    if not by.is_staff and coupon.owner_id != by.pk:
        raise ValidationError(_("Only the coupon's creator or staff can end it."))
    coupon.is_active = False
    coupon.save(update_fields=["is_active"])
    return coupon


def discounted_sale_legs(
    *,
    source: LedgerAccount,
    paid: int,
    currency: str,
    payee: User,
    fee: int,
    platform_discount: int = 0,
) -> list[Leg]:
    """`source` pays `paid`; the payee earns `paid + platform_discount - fee`; the
    platform takes `fee` as revenue and pays `platform_discount` from PROMOTIONS.

    Zero legs are left out (a 100% creator coupon moves no money at all)."""
    legs = [
        Leg(source, -paid),
        Leg(account(Kind.EARNINGS, currency, payee), paid + platform_discount - fee),
        Leg(account(Kind.PLATFORM_REVENUE, currency), fee),
        Leg(account(Kind.PROMOTIONS, currency), -platform_discount),
    ]
    return [leg for leg in legs if leg.amount]
