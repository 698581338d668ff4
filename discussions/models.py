"""Discussion threads and replies under any discussable object, and likes.

The discussed object (a live session or its replay, a course; later articles or
lessons) is a generic relation, so adding a kind needs no migration here: see
`discussions.kinds`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Thread(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_threads"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # False while moderation holds it (or after a moderator rejected it).
    is_visible = models.BooleanField(default=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    like_count = models.PositiveIntegerField(default=0)

    # The discussed object as the reader may see it, set by
    # selectors.thread_get_for_user (and reply_create); not stored.
    target_obj: models.Model

    class Meta:
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-is_pinned", "-created_at"],
                name="discussion_thread_newest",
            ),
            models.Index(
                fields=["content_type", "object_id", "-is_pinned", "-like_count"],
                name="discussion_thread_liked",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(title=""),
                name="discussion_thread_has_title",
            )
        ]
        verbose_name = _("discussion thread")
        verbose_name_plural = _("discussion threads")

    def __str__(self) -> str:
        return self.title[:60]

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", kwargs={"pk": self.pk})

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Reply(models.Model):
    """A reply to a thread (`parent` empty) or to a reply (`parent` is the top-level
    reply it is shown under; `in_reply_to` is the reply actually answered)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_replies"
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_visible = models.BooleanField(default=True)
    like_count = models.PositiveIntegerField(default=0)
    # Set once the people it answers were told (at creation, or on approval if held).
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The replies shown under a top-level one, set by selectors.replies_for_thread.
    shown_children: list["Reply"]

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["thread", "parent", "created_at"])]
        verbose_name = _("discussion reply")
        verbose_name_plural = _("discussion replies")

    def __str__(self) -> str:
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return f"{self.thread.get_absolute_url()}#reply-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Like(models.Model):
    """One user's like of one object (any kind in `discussions.kinds.LIKEABLE`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="like_once_per_user"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.user_id} likes {self.content_type_id}:{self.object_id}"


class LikeTally(models.Model):
    """The like count of objects whose own table has no counter (sessions, courses,
    answers), kept in step with Like rows inside the same transaction."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="like_tally_once")
        ]

    def __str__(self):
        return f"{self.content_type_id}:{self.object_id} = {self.count}"
