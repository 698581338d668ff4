from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LiveSession(models.Model):
    """A scheduled live broadcast of a channel.

    The foundation keeps only what the catalogue shows (title, time, status); the
    live-room and video work add access rules, stream keys and the room itself.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.ForeignKey(
        "marketplace.Channel", on_delete=models.CASCADE, related_name="live_sessions"
    )
    course = models.ForeignKey(
        "marketplace.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_sessions",
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    scheduled_start = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("planned length (minutes)"), default=60)

    class Access(models.TextChoices):
        FREE = "free", _("Free for everyone with an account")
        SUBSCRIBERS = "subscribers", _("Subscribers of a tier")
        TICKET = "ticket", _("Ticket holders")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    access = models.CharField(
        _("who may watch"), max_length=20, choices=Access.choices, default=Access.FREE
    )
    # For SUBSCRIBERS: this tier or any dearer tier of the channel.
    required_tier = models.ForeignKey(
        "marketplace.SubscriptionTier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # For TICKET: the price of one ticket.
    ticket_price_amount = models.PositiveIntegerField(_("ticket price (minor units)"), default=0)
    ticket_currency = models.CharField(_("ticket currency"), max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("scheduled_start", "id")
        indexes = [models.Index(fields=["status", "scheduled_start"])]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("livestream:session_detail", kwargs={"pk": self.pk})
