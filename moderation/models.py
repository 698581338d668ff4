from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class BlockedTerm(models.Model):
    """A word or phrase screening acts on, edited by moderators in the admin.

    Whole-word mode suits Latin scripts ("ass" must not catch "class"); substring
    mode suits Chinese, which has no spaces between words, and fragments of URLs.
    """

    class Mode(models.TextChoices):
        WORD = "word", _("Whole word")
        SUBSTRING = "substring", _("Anywhere in the text")

    class Action(models.TextChoices):
        HOLD = "hold", _("Hold for review")
        REFUSE = "refuse", _("Refuse")

    term = models.CharField(_("term"), max_length=100)
    mode = models.CharField(_("match"), max_length=10, choices=Mode.choices, default=Mode.WORD)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.HOLD
    )
    note = models.CharField(_("why (for moderators)"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("term",)
        constraints = [
            models.UniqueConstraint(fields=["term", "mode"], name="blocked_term_once_per_mode")
        ]
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")

    def __str__(self):
        return self.term


class ReviewItem(models.Model):
    """One piece of content waiting for (or given) a moderator's decision.

    Whatever its kind (see `moderation.registry`), an item has one row here, reopened
    when it needs a decision again (held again after an edit, reported, appealed).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ESCALATED = "escalated", _("Escalated")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        SCREENING = "screening", _("Held by screening")
        CREATOR_REVIEW = "creator_review", _("New content of an unverified creator")
        REPORTS = "reports", _("Reported")
        APPEAL = "appeal", _("Appeal")

    OPEN = (Status.PENDING, Status.ESCALATED)

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_items",
    )
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    source = models.CharField(_("why it is here"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason given to the author"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="review_item_once_per_object"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = _("review item")
        verbose_name_plural = _("review queue")

    def __str__(self):
        return f"{self.content_type.model} #{self.object_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
