import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedStorage, EncryptedTextField
from core.storage import AliasStorage


def _user_or_null(*, related_name: str = "+") -> "models.ForeignKey[Any, Any]":
    """A user a record names and outlives (a moderator, an author): the record stays,
    the name turns empty, when the account is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


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
    author = _user_or_null(related_name="review_items")
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    source = models.CharField(_("why it is here"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = _user_or_null()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason given to the author"), blank=True)
    report_weight = models.FloatField(_("report weight"), default=0.0)
    # Whether the open item keeps the content from the public. Held, new and appealed
    # content is hidden while it waits; reported content only once the reports'
    # weight reaches MODERATION_REPORT_THRESHOLD (before that it waits in the queue
    # under "Reported" and stays up).
    hiding = models.BooleanField(_("hidden while open"), default=True)
    appealed_at = models.DateTimeField(null=True, blank=True)  # one appeal per item
    # The screening classifier's view when the item was held: how likely offensive
    # (0-1) and the words that weighed most. None: not scored (no model yet).
    score = models.FloatField(_("classifier score"), null=True, blank=True)
    score_words = models.JSONField(_("words that weighed most"), default=list, blank=True)
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


class Sanction(models.Model):
    """A mute (no posting) or ban (no login) on a user, site-wide or in one channel.

    Active while not lifted and not expired (`expires_at` None: until lifted).
    Created only through `moderation.services.sanction_impose`.
    """

    class Kind(models.TextChoices):
        MUTE = "mute", _("Mute (cannot post)")
        BAN = "ban", _("Ban (cannot log in)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.ForeignKey(
        "marketplace.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sanctions",
        help_text=_("Empty: site-wide."),
    )
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = _user_or_null()
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "kind"])]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        where = self.channel.title if self.channel is not None else _("site-wide")
        return f"{self.get_kind_display()} · {self.user} · {where}"

    @property
    def is_site_wide(self) -> bool:
        return self.channel_id is None

    @property
    def until(self) -> str:
        """How long it lasts, as the user is told: "until a moderator lifts it" or
        "until <date and time>" in the current language and time zone."""
        if self.expires_at is None:
            return gettext("until a moderator lifts it")
        when = formats.date_format(timezone.localtime(self.expires_at), "DATETIME_FORMAT")
        return gettext("until %(when)s") % {"when": when}


class ExpertVerification(models.Model):
    """A creator's application to be shown as a verified expert."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_verifications"
    )
    # Encrypted at rest (core.fields), like the documents: it may name employers,
    # licence numbers, schools.
    credentials = EncryptedTextField(_("your credentials"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = _user_or_null()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason given to the applicant"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="expert_verification_one_pending",
            )
        ]
        verbose_name = _("expert verification")
        verbose_name_plural = _("expert verifications")

    def __str__(self):
        return f"{self.user} ({self.get_status_display()})"


def document_file_name(instance: "VerificationDocument", filename: str) -> str:
    """A random name: the uploader's file name (often their own name) stays out of
    the storage path and lives encrypted in `original_name`."""
    return f"verification/{secrets.token_hex(16)}"


class VerificationDocument(models.Model):
    verification = models.ForeignKey(
        ExpertVerification, on_delete=models.CASCADE, related_name="documents"
    )
    # Private storage (never under MEDIA_URL), encrypted (core.fields.EncryptedStorage)
    # under a random name: moderators download it through
    # moderation.views.verification_document, which checks their permission and
    # writes the access to the audit trail.
    file = models.FileField(
        _("document"), storage=EncryptedStorage("private"), upload_to=document_file_name
    )
    # Metadata, encrypted too: what the uploader called it, and its sniffed type.
    original_name = EncryptedTextField(blank=True, default="")
    content_type = EncryptedTextField()  # sniffed, not the browser's claim
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("verification document")
        verbose_name_plural = _("verification documents")

    def __str__(self):
        return self.file.name


class Report(models.Model):
    """A user's report about one piece of content (any registered kind).

    One per user per piece of content. `weight` is the reporter's trust when they
    reported (see moderation.services.reporter_trust).
    """

    class Outcome(models.TextChoices):
        OPEN = "open", pgettext_lazy("report outcome", "Open")
        UPHELD = "upheld", _("Upheld")  # the content was rejected
        DISMISSED = "dismissed", _("Dismissed")  # the content was approved

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.TextField(_("reason"), max_length=1000)
    weight = models.FloatField(default=1.0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"], name="report_once_per_user"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "outcome"])]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self):
        return f"{self.reporter} → {self.content_type.model} #{self.object_id}"


class ModerationAction(models.Model):
    """Audit trail: who decided what, when and why. Append-only."""

    class Kind(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        ESCALATE = "escalate", _("Escalated")
        HOLD = "hold", _("Held")
        REPORTS_HIDE = "reports_hide", _("Hidden after reports")
        APPEAL = "appeal", _("Appealed")
        SANCTION = "sanction", _("Sanction imposed")
        SANCTION_LIFT = "sanction_lift", _("Sanction lifted")
        VERIFY_APPROVE = "verify_approve", _("Verification approved")
        VERIFY_REJECT = "verify_reject", _("Verification rejected")
        DATA_VIEWED = "data_viewed", _("Personal data viewed")
        PICTURE_REMOVE = "picture_remove", _("Picture removed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = _user_or_null()
    item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    sanction = models.ForeignKey(
        Sanction, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    verification = models.ForeignKey(
        ExpertVerification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    target_user = _user_or_null()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("moderation action")
        verbose_name_plural = _("audit trail")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class ScreeningModel(models.Model):
    """One trained version of the screening classifier (moderation.classifier).

    The artefact (gzipped JSON) is kept in private storage, in object storage where
    configured. At most one version is active: screening scores with it. Retraining
    adds a candidate and promotes it only if it does no worse on the fixed held-out
    data; staff can roll back to any earlier version.
    """

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired (was active)")
        REFUSED = "refused", _("Refused (worse than the active one)")

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"))
    file = models.FileField(
        _("artefact"), storage=AliasStorage("private"), upload_to="screening/", max_length=200
    )
    # How many examples it learnt from, by source: cold, davidson, decisions...
    counts = models.JSONField(_("training data"), default=dict)
    # Held-out measures, by data set: {"cold-dev": {"auc": ..., "f1": ...}, ...}
    scores = models.JSONField(_("held-out scores"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CANDIDATE
    )
    note = models.TextField(_("note"), blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = _user_or_null()

    class Meta:
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="screening_model_one_active",
            )
        ]
        verbose_name = _("screening model")
        verbose_name_plural = _("screening models")

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"
