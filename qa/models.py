"""Paid questions: an expert's terms, quotes, questions, answers and unlocks.

Money never lives here: the ledger (payments) holds it. A question records what was
charged and how it was settled; the settlement's ledger posting is keyed on the
question (`qa:settle:<id>`), so escrow is released or refunded exactly once.
"""

import os
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import MoneyAmount
from core.storage import AliasStorage


class Difficulty(models.TextChoices):
    QUICK = "quick", _("Quick")
    STANDARD = "standard", _("Standard")
    IN_DEPTH = "in_depth", _("In depth")


class ExpertSettings(models.Model):
    """A creator's paid-question terms, and the running figures matching and pricing read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_settings"
    )
    enabled = models.BooleanField(_("take paid questions"), default=False)
    base_price = models.PositiveIntegerField(_("base price (minor units)"), default=1000)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    answer_hours = models.PositiveSmallIntegerField(
        _("answer within (hours)"), default=48, validators=[MinValueValidator(1)]
    )
    # Running figures, updated with F() by the services that change them.
    answered_count = models.PositiveIntegerField(default=0)
    missed_count = models.PositiveIntegerField(default=0)  # declined or expired
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    response_seconds_total = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_hours__gte=1) & Q(answer_hours__lte=72),
                name="qa_expert_answer_hours_range",
            ),
        ]
        verbose_name = _("expert Q&A settings")
        verbose_name_plural = _("expert Q&A settings")

    def __str__(self):
        return f"Q&A settings of {self.user}"

    @property
    def rating_average(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def answer_rate(self) -> float | None:
        asked = self.answered_count + self.missed_count
        return self.answered_count / asked if asked else None

    @property
    def response_hours(self) -> float | None:
        if not self.answered_count:
            return None
        return self.response_seconds_total / self.answered_count / 3600


class Quote(MoneyAmount):
    """The price a learner was shown, line by line; asking charges exactly this."""

    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_quotes"
    )
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    is_public = models.BooleanField(default=True)
    breakdown = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self):
        return f"Quote #{self.pk}"


class Question(MoneyAmount):
    class Status(models.TextChoices):
        SCREENING = "screening", _("Being screened")  # only inside question_ask
        HELD = "held", _("Waiting for moderation")
        OPEN = "open", _("Waiting for the answer")
        ANSWER_SCREENING = "answer_screening", _("Answer being screened")
        ANSWER_HELD = "answer_held", _("Answer waiting for moderation")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined, refunded")
        EXPIRED = "expired", _("Not answered in time, refunded")
        REJECTED = "rejected", _("Rejected by moderation, refunded")
        WITHDRAWN = "withdrawn", _("Withdrawn (account deleted), refunded")

    SETTLED = {Status.ANSWERED, Status.DECLINED, Status.EXPIRED, Status.REJECTED, Status.WITHDRAWN}
    REFUNDED = {Status.DECLINED, Status.EXPIRED, Status.REJECTED, Status.WITHDRAWN}

    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_questions_asked"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_questions_received"
    )
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="question")
    text = models.TextField(_("question"))
    text_digest = models.CharField(max_length=64, db_index=True)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    is_public = models.BooleanField(_("others may unlock the answer"), default=True)
    fee = models.PositiveIntegerField(default=0)  # platform's share, set on release
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCREENING)
    is_visible = models.BooleanField(default=False)  # moderation's switch
    decline_reason = models.CharField(max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # reached the expert
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["expert", "status", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="qa_question_rating_range",
            ),
            models.CheckConstraint(
                condition=~Q(asker=models.F("expert")), name="qa_question_not_to_self"
            ),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return f"Question #{self.pk}"

    def get_absolute_url(self):
        return reverse("qa:question_detail", args=[self.pk])


def answer_file_name(instance, filename: str) -> str:
    """A random name: answer files are paid content, never at a guessable path."""
    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"qa/answers/{secrets.token_urlsafe(18)}{ext}"


class Answer(models.Model):
    """Attachments and audio live in the private storage (outside MEDIA_URL, presigned
    on object storage) and are served by qa.views.answer_file after the access check."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    text = models.TextField(_("answer"))
    attachment = models.FileField(
        storage=AliasStorage("private"), upload_to=answer_file_name, blank=True
    )
    audio = models.FileField(
        storage=AliasStorage("private"), upload_to=answer_file_name, blank=True
    )
    is_visible = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"Answer to question #{self.question_id}"

    def get_absolute_url(self):
        return reverse("qa:question_detail", args=[self.question_id])

    def file_url(self, kind: str) -> str:
        """The access-checked address of the attachment or the audio ("attachment"/"audio")."""
        return reverse("qa:answer_file", args=[self.question_id, kind])


class Unlock(MoneyAmount):
    """Someone other than the asker and the expert paid to read a public answer."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="unlocks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_unlocks"
    )
    fee = models.PositiveIntegerField()
    expert_share = models.PositiveIntegerField()
    asker_share = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="qa_unlock_once"),
        ]
        verbose_name = _("unlock")
        verbose_name_plural = _("unlocks")

    def __str__(self):
        return f"Unlock of question #{self.question_id}"
