from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from rewards.models import CheckIn, PointsRule, Referral


def rules_active() -> QuerySet[PointsRule]:
    return PointsRule.objects.filter(is_active=True, points__gt=0).order_by("key")


def rule(*, key: str) -> PointsRule | None:
    return PointsRule.objects.filter(key=key, is_active=True).first()


def checked_in_today(*, user: User) -> bool:
    return CheckIn.objects.filter(user=user, day=timezone.localdate()).exists()


def referrals_made(*, user: User) -> QuerySet[Referral]:
    return Referral.objects.filter(inviter=user).select_related("invitee").order_by("-created_at")
