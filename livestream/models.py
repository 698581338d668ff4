from django.db import models
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
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("scheduled_start", "id")
        indexes = [models.Index(fields=["status", "scheduled_start"])]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def __str__(self):
        return self.title
