"""Coupons and points: the payments-side records of discounts and of the points
currency (imported by payments.models, so Django sees them as payments models).

A coupon changes what a buyer pays; the ledger posting of the sale says who bore the
discount (the creator who made the coupon, or the platform's promotions account for
a staff coupon), so earnings and platform revenue stay exact. Points live on the
same ledger in their own currency (`POINTS_CURRENCY`), which nothing converts to
money: a balanced posting can only move points between points accounts.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Three letters like every ledger currency; not an ISO 4217 code, never in
# MARKETPLACE_CURRENCIES, so no money service accepts it.
POINTS_CURRENCY = "PTS"


class Coupon(models.Model):
    """A discount a buyer applies by code, or holds in their coupon wallet."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        FIXED = "fixed", _("Fixed amount off")

    class Scope(models.TextChoices):
        EVERYTHING = "everything", _("Everything (of the creator's, or on the site)")
        COURSE = "course", _("One course")
        TIER = "tier", _("One subscription tier")
        SESSION = "session", _("One live session")
        QUESTIONS = "questions", _("Paid questions")

    code = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=120, blank=True)
    # The creator whose products it discounts and who bears the discount; empty for a
    # staff (platform-wide) coupon, whose discount the platform bears.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coupons_owned",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_off = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.EVERYTHING)
    scope_id = models.PositiveIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True)
    per_user_limit = models.PositiveIntegerField(default=1)
    first_purchase_only = models.BooleanField(default=False)
    min_amount = models.PositiveIntegerField(default=0)
    # Only holders of a grant (coupon wallet) may use it: coupons bought with points,
    # referral rewards. A code anyone may type has this off.
    wallet_only = models.BooleanField(default=False)
    # In the points catalogue at this many points; empty: not for points.
    points_price = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    redeemed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True)
                | Q(redeemed_count__lte=F("max_redemptions")),
                name="payments_coupon_never_over_redeemed",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="percent", percent_off__gte=1, percent_off__lte=100)
                    | Q(kind="fixed", amount_off__gte=1)
                ),
                name="payments_coupon_discount_set",
            ),
        ]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.code

    @property
    def bearer(self) -> str:
        return "creator" if self.owner_id else "platform"


class CouponGrant(models.Model):
    """A coupon in a user's wallet: bought with points, won by a referral, or given."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coupon_grants"
    )
    reason = models.CharField(max_length=60)
    # Idempotency: one grant per reason key (a replayed reward grants nothing twice).
    key = models.CharField(max_length=120, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("coupon in a wallet")
        verbose_name_plural = _("coupons in wallets")

    def __str__(self) -> str:
        return f"{self.coupon} for {self.user}"


class CouponRedemption(models.Model):
    """One use of a coupon: the price before, the discount, and who bore it."""

    class Bearer(models.TextChoices):
        CREATOR = "creator", _("the creator")
        PLATFORM = "platform", _("the platform")

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purchase = models.OneToOneField(
        "payments.Purchase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coupon_redemption",
    )
    # What else it paid for (a paid question), when not a ticket.
    reference = models.CharField(max_length=100, blank=True)
    list_amount = models.PositiveIntegerField()
    discount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    bearer = models.CharField(max_length=10, choices=Bearer.choices)
    # Given back (a card that was declined): no longer counts against the limits.
    released = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")

    def __str__(self) -> str:
        return f"{self.coupon} -{self.discount} {self.currency}"

    @property
    def paid_amount(self) -> int:
        return self.list_amount - self.discount


class PointsLot(models.Model):
    """Points earned in one award, spent and expired oldest first.

    The ledger holds the balance (a POINTS account per user); lots say which points
    expire when and which award a clawback undoes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="points_lots"
    )
    rule = models.CharField(max_length=40)
    # The action it rewards ("purchase:12"): a clawback of that action finds it.
    source = models.CharField(max_length=100, db_index=True)
    amount = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)
    # The award was undone (its action refunded, deleted or hidden).
    clawed_back = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("expires_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=["user", "source"], name="payments_points_once_per_act"),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("amount")), name="payments_points_lot_within"
            ),
        ]
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")

    def __str__(self) -> str:
        return f"{self.user} {self.remaining}/{self.amount} ({self.rule})"
