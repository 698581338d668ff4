"""Earning points by rules, daily check-ins, invite links and referral rewards.

Points move only through payments' services (the ledger); this app decides when.
Every award names the action it rewards (its `source`), so an action is rewarded
once and a clawback finds it when the action is undone.
"""

import secrets
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import Coupon, PointsLot
from rewards.models import CheckIn, InviteCode, PointsRule, Referral

Key = PointsRule.Key
# Where the invite landing page keeps the code until the visitor signs up.
INVITE_SESSION_KEY = "rewards_invite_code"


def _day_start(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


@transaction.atomic
def points_earn(*, user: User, key: str, source: str) -> PointsLot | None:
    """Award `key`'s points for `source`, within the rule's daily cap; None if the
    rule is off, the cap is reached, or that action was already rewarded."""
    rule = PointsRule.objects.filter(key=key, is_active=True).first()
    if rule is None or rule.points == 0 or not user.is_active:
        return None
    # One award decision per user at a time, so two actions cannot both pass the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if rule.daily_cap:
        today = payment_selectors.points_awarded_count(
            user=user, rule=key, since=_day_start(timezone.now())
        )
        if today >= rule.daily_cap:
            return None
    return payment_services.points_award(user=user, amount=rule.points, rule=key, source=source)


def points_undo(*, user: User, source: str) -> int:
    """The action `source` was undone (refunded, deleted, hidden): take its points back."""
    return payment_services.points_clawback(user=user, source=source)


@transaction.atomic
def check_in(*, user: User) -> PointsLot | None:
    """Today's check-in; ValidationError if already checked in today."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            CheckIn.objects.create(user=user, day=today)
    except IntegrityError:
        raise ValidationError(_("You already checked in today. Come back tomorrow!")) from None
    return points_earn(user=user, key=Key.CHECK_IN, source=f"check_in:{today.isoformat()}")


def invite_code_for(*, user: User) -> InviteCode:
    existing = InviteCode.objects.filter(user=user).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return InviteCode.objects.create(user=user, code=secrets.token_urlsafe(6)[:8])
        except IntegrityError:
            existing = InviteCode.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not pick a free invite code.")


@transaction.atomic
def referral_record(*, code: str, invitee: User) -> Referral:
    """`invitee` came through the invite link `code`. Refuses self-referral, a
    second inviter, and loops (an inviter who was, however indirectly, invited by
    the invitee)."""
    invite = InviteCode.objects.filter(code=code).select_related("user").first()
    if invite is None:
        raise ValidationError(_("This invite link is not valid."))
    inviter = invite.user
    if inviter.pk == invitee.pk:
        raise ValidationError(_("You cannot invite yourself."))
    if Referral.objects.filter(invitee=invitee).exists():
        raise ValidationError(_("You were already invited by someone."))
    # Walk up the inviter's chain: meeting the invitee there would close a loop.
    seen: set[int] = set()
    up: int | None = inviter.pk
    while up is not None and up not in seen:
        if up == invitee.pk:
            raise ValidationError(_("Invitations cannot go round in a circle."))
        seen.add(up)
        up = Referral.objects.filter(invitee_id=up).values_list("inviter_id", flat=True).first()
    if invitee.purchases.exclude(status__in=["pending", "failed"]).exists():
        raise ValidationError(_("Only new customers can be invited."))
    return Referral.objects.create(inviter=inviter, invitee=invitee)


@transaction.atomic
def first_purchase_reward(*, buyer: User, purchase_id: int) -> None:
    """The buyer's first purchase: points for it, and the referral reward for both
    the buyer and whoever invited them."""
    if buyer.purchases.exclude(status__in=["pending", "failed"]).exclude(pk=purchase_id).exists():
        return
    points_earn(user=buyer, key=Key.FIRST_PURCHASE, source=f"purchase:{purchase_id}")
    referral = Referral.objects.select_for_update().filter(invitee=buyer).first()
    if referral is None or referral.rewarded_at is not None:
        return
    referral.rewarded_at = timezone.now()
    referral.purchase_id = purchase_id
    referral.save(update_fields=["rewarded_at", "purchase_id"])
    rule = PointsRule.objects.filter(key=Key.REFERRAL, is_active=True).first()
    for user in (referral.inviter, buyer):
        points_earn(user=user, key=Key.REFERRAL, source=f"referral:{referral.pk}")
        coupon = Coupon.objects.filter(code=rule.coupon_code).first() if rule else None
        if coupon is not None:
            payment_services.coupon_grant(
                coupon=coupon, user=user, reason="referral", key=f"referral:{referral.pk}:{user.pk}"
            )


@transaction.atomic
def purchase_undone(*, buyer_id: int, purchase_id: int) -> None:
    """A purchase was fully refunded: its first-purchase and referral points go."""
    buyer = User.objects.get(pk=buyer_id)
    points_undo(user=buyer, source=f"purchase:{purchase_id}")
    referral = Referral.objects.filter(invitee=buyer, purchase_id=purchase_id).first()
    if referral is not None:
        for user in (referral.inviter, buyer):
            points_undo(user=user, source=f"referral:{referral.pk}")


@transaction.atomic
def catalogue_buy(*, user: User, coupon_id: int, key: str) -> None:
    coupon = Coupon.objects.filter(pk=coupon_id).first()
    if coupon is None:
        raise ValidationError(_("This coupon is not in the catalogue."))
    payment_services.points_buy_coupon(user=user, coupon=coupon, key=key)
