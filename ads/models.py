"""Sponsored listings: campaigns, and the impressions and clicks they are paid by."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """A creator promotes a course, a channel or an upcoming session.

    The budget is held in payments' AD_BUDGET when the campaign is made; a Celery job
    charges what was delivered (`charged` so far) and releases the rest at the end.
    Staff approve it in the moderation queue before it is shown.
    """

    class Target(models.TextChoices):
        COURSE = "course", _("Course")
        CHANNEL = "channel", _("Channel")
        SESSION = "session", _("Live session")

    class Bid(models.TextChoices):
        CPM = "cpm", _("Per 1,000 impressions")
        CPC = "cpc", _("Per click")

    class Status(models.TextChoices):
        REVIEW = "review", _("Waiting for review")
        ACTIVE = "active", _("Running")
        REJECTED = "rejected", _("Rejected")
        ENDED = "ended", _("Ended")

    advertiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ad_campaigns"
    )
    target = models.CharField(max_length=10, choices=Target.choices)
    target_id = models.PositiveIntegerField()
    headline = models.CharField(max_length=120)
    bid = models.CharField(max_length=3, choices=Bid.choices)
    bid_amount = models.PositiveIntegerField()  # minor units per 1,000 impressions or per click
    daily_budget = models.PositiveIntegerField()
    budget = models.PositiveIntegerField()  # the total held
    currency = models.CharField(max_length=3)
    funded_from = models.CharField(max_length=10)  # "earnings" or "wallet"
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REVIEW)
    charged = models.PositiveIntegerField(default=0)
    released = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(charged__lte=models.F("budget")), name="ads_charged_within_budget"
            ),
            models.CheckConstraint(
                condition=Q(daily_budget__gt=0) & Q(bid_amount__gt=0), name="ads_positive_bid"
            ),
        ]
        verbose_name = _("sponsored campaign")
        verbose_name_plural = _("sponsored campaigns")

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("ads:campaign", args=[self.pk])


class Delivery(models.Model):
    """One viewer's impression or click of a campaign on one day (deduplicated)."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression", _("Impression")
        CLICK = "click", _("Click")
        CONVERSION = "conversion", _("Conversion")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "u<user id>" or "s<session key digest>": the same person once a day.
    viewer = models.CharField(max_length=70)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    placement = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "viewer", "day"], name="ads_one_delivery_a_day"
            )
        ]
        indexes = [models.Index(fields=["campaign", "kind", "day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.campaign_id} {self.viewer} {self.day}"


class Charge(models.Model):
    """What the charging job took from a campaign's budget, per run and day."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="charges")
    day = models.DateField()
    amount = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "day"])]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day} {self.amount}"
