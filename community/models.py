"""Following creators and channels (free, apart from subscribing) and the feed of what
they publish."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    """One user follows one creator or one channel (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    creator = models.ForeignKey(
        "marketplace.CreatorProfile",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
    )
    channel = models.ForeignKey(
        "marketplace.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(creator__isnull=True) ^ Q(channel__isnull=True),
                name="follow_creator_xor_channel",
            ),
            models.UniqueConstraint(
                fields=["user", "creator"],
                condition=Q(creator__isnull=False),
                name="follow_creator_once",
            ),
            models.UniqueConstraint(
                fields=["user", "channel"],
                condition=Q(channel__isnull=False),
                name="follow_channel_once",
            ),
        ]
        # The fan-out walks a creator's or channel's followers in user order.
        indexes = [
            models.Index(fields=["creator", "user"], name="follow_by_creator"),
            models.Index(fields=["channel", "user"], name="follow_by_channel"),
        ]

    def __str__(self):
        return f"{self.user_id} follows {self.creator_id or self.channel_id}"


class FeedItem(models.Model):
    """Something public a creator published, for the feeds of their followers and their
    channel's followers. Kept in step with its source (community.listeners): recorded
    when it becomes public, removed when it stops being public."""

    class Kind(models.TextChoices):
        SESSION = "session", _("Live session")
        COURSE = "course", _("Course")
        LESSON = "lesson", _("Lesson")
        ARTICLE = "article", _("Article")
        REPLAY = "replay", _("Replay")
        ANSWER = "answer", _("Answer")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    creator = models.ForeignKey(
        "marketplace.CreatorProfile", on_delete=models.CASCADE, related_name="feed_items"
    )
    channel = models.ForeignKey(
        "marketplace.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feed_items",
    )
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ("-published_at", "-id")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="feed_item_once")]
        indexes = [
            models.Index(fields=["creator", "-published_at"], name="feed_by_creator"),
            models.Index(fields=["channel", "-published_at"], name="feed_by_channel"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.title}"
