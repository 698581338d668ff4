"""Creators' outgoing webhooks: the HTTPS endpoints they register and every delivery
made to them (the studio's delivery log)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField


class EventType(models.TextChoices):
    """What a creator may subscribe an endpoint to (the payload's `type`)."""

    SESSION_SCHEDULED = "session.scheduled", _("Session scheduled")
    SESSION_LIVE = "session.live", _("Session went live")
    SESSION_ENDED = "session.ended", _("Session ended")
    TICKET_SOLD = "ticket.sold", _("Ticket or course sold")
    SUBSCRIPTION_STARTED = "subscription.started", _("Subscription started")
    SUBSCRIPTION_CANCELLED = "subscription.cancelled", _("Subscription cancelled")
    TIP_RECEIVED = "tip.received", _("Tip received")
    QUESTION_ASKED = "question.asked", _("Paid question asked")
    QUESTION_ANSWERED = "question.answered", _("Paid question answered")
    PAYOUT_PAID = "payout.paid", _("Payout sent")
    PAYOUT_REJECTED = "payout.rejected", _("Payout refused")


TEST_EVENT = "test.ping"


class Endpoint(models.Model):
    """An HTTPS URL of a creator's that receives the events it subscribes to, signed
    with its own secret (encrypted at rest; shown to the creator once)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=120, blank=True)
    event_types = models.JSONField(default=list)  # EventType values
    secret = EncryptedTextField()
    # After a rotation the old secret signs too, for a grace period, so the receiver
    # can switch without losing a delivery.
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    failures = models.PositiveIntegerField(default=0)  # failed attempts since a success
    failing_since = models.DateTimeField(null=True, blank=True)  # the first of them
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One event sent (or being sent) to one endpoint, with its last response."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40, unique=True)  # evt_..., the payload's `id`
    event_type = models.CharField(max_length=40)
    # What happened, once per endpoint: a replayed domain event delivers nothing twice.
    source_key = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "source_key"], name="hooks_delivery_once_per_endpoint"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="hooks_due")]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint_id} ({self.status})"
