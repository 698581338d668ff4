"""The assistant's store of record: the knowledge index (one row per passage the
assistant may quote or point to), the help centre, support tickets, the questions it
was asked, the votes on its answers, staff's canonical answers and intent examples.

Search runs over an in-process index built from `KnowledgeItem` (assistant/index.py);
PostgreSQL stays the store of record, updated row by row on commit as content is
published, unpublished, bought or hidden (assistant/listeners.py).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class KnowledgeItem(models.Model):
    class Kind(models.TextChoices):
        ANSWER = "answer", _("Expert answer")
        LESSON = "lesson", _("Lesson")
        ARTICLE = "article", _("Article")
        CHAPTER = "chapter", _("Replay chapter")
        HELP = "help", _("Help article")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The source object's primary key in its own app (chapters: the room question's).
    source_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    # What is matched and quoted. Paid text is here, and `paid` says it may be quoted
    # only to askers the source grants it to (assistant/access.py checks each time).
    text = models.TextField(blank=True)
    preview = models.TextField(blank=True)  # what anyone may be shown instead
    paid = models.BooleanField(default=False)
    url = models.CharField(max_length=500)
    course_id = models.PositiveBigIntegerField(null=True, blank=True)
    course_title = models.CharField(max_length=200, blank=True)
    session_id = models.PositiveBigIntegerField(null=True, blank=True)  # chapters' session
    expert_id = models.PositiveBigIntegerField(null=True, blank=True)  # who said it
    topics = models.JSONField(default=list)  # tag and category names (topic graph)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id"], name="assistant_item_unique_source"
            )
        ]

    def __str__(self):
        return f"{self.kind}: {self.title}"


class HelpArticle(models.Model):
    """A help-centre page staff write in the admin: the support answers."""

    class Topic(models.TextChoices):
        ACCOUNT = "account", _("Account")
        PAYMENTS = "payments", _("Payments and wallet")
        REFUNDS = "refunds", _("Refunds")
        TICKETS = "tickets", _("Tickets and subscriptions")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices, default=Topic.OTHER)
    body = models.TextField(_("body"), max_length=20_000)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("assistant:help_article", args=[self.slug])


class AssistantQuestion(models.Model):
    """A question the assistant answered (bad input is never stored)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=600)
    language = models.CharField(max_length=8)
    intent = models.CharField(max_length=20)
    place = models.CharField(max_length=10)  # qa, help, live
    confidence = models.FloatField()
    answered = models.BooleanField()
    item_ids = models.JSONField(default=list)  # KnowledgeItem ids shown, best first
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.text[:80]


class Vote(models.Model):
    """Thumbs up (+1) or down (-1) on one passage of an answer."""

    question = models.ForeignKey(AssistantQuestion, on_delete=models.CASCADE, related_name="votes")
    item = models.ForeignKey(KnowledgeItem, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "item", "user"], name="assistant_vote_once"
            ),
            models.CheckConstraint(
                condition=models.Q(value__in=[-1, 1]), name="assistant_vote_up_or_down"
            ),
        ]

    def __str__(self):
        return f"{self.value:+d} on {self.item_id}"


class CanonicalAnswer(models.Model):
    """Staff say: for questions like this, this passage is the answer."""

    question = models.CharField(max_length=600)
    item = models.ForeignKey(KnowledgeItem, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.question[:80]


class IntentExample(models.Model):
    """A labelled example added by staff (from a question's feedback) on top of the
    examples kept in the repository (assistant/intents.json)."""

    text = models.CharField(max_length=600)
    intent = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.intent}: {self.text[:60]}"


class SupportTicket(models.Model):
    class Status(models.TextChoices):
        # Not the room question's "Open" (awaiting an answer): a ticket waits for support.
        OPEN = "open", pgettext_lazy("support ticket status", "Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        AssistantQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=5000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.subject
