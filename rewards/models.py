"""Points rules, daily check-ins, invite codes and referrals.

The points themselves are on payments' ledger (a currency of their own); these are
the rules that decide when they are earned, and the records that make each reward
happen once.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PointsRule(models.Model):
    """How many points an action earns; staff edit these in the admin."""

    class Key(models.TextChoices):
        WATCH = "watch", _("Watch a live session for N minutes")
        ANSWERED = "answered", _("Have a paid question answered (the expert)")
        RATING = "rating", _("Rate an answer")
        FIRST_PURCHASE = "first_purchase", _("First purchase")
        CHECK_IN = "check_in", _("Daily check-in")
        REFERRAL = "referral", _("Referral (each of inviter and invitee)")

    key = models.CharField(max_length=20, choices=Key.choices, unique=True)
    points = models.PositiveIntegerField()
    # At most this many awards of the rule per user per day; 0: no cap.
    daily_cap = models.PositiveIntegerField(default=0)
    # For WATCH: the minutes of one stay in a live room that earn the points.
    minutes = models.PositiveIntegerField(default=0)
    # For REFERRAL: also put this coupon (by code) in both users' coupon wallets.
    coupon_code = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("key",)
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.points}"


class CheckIn(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="rewards_one_check_in_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class InviteCode(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invite_code"
    )
    code = models.CharField(max_length=16, unique=True)

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """`invitee` signed up through `inviter`'s link; both are rewarded on the
    invitee's first purchase."""

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrals_made"
    )
    invitee = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referred_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    # The purchase that rewarded it (a full refund of it takes the points back).
    purchase_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(inviter=F("invitee")), name="rewards_no_self_referral"
            )
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.inviter} -> {self.invitee}"
