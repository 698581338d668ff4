"""Lessons (inside courses, in sections) and articles (in a channel), their revisions,
uploaded images and attachments, and learners' progress through courses."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import exactly_one_set
from core.storage import AliasStorage
from marketplace.models import Channel, Course, SubscriptionTier


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class Access(models.TextChoices):
    FREE = "free", _("Free for everyone")
    PREVIEW = "preview", _("Free preview, the rest for ticket holders or subscribers")
    SUBSCRIBERS = "subscribers", _("Subscribers of a tier (or a dearer one)")
    TICKET = "ticket", _("Ticket holders of the course")


IMAGE_UPLOAD_DIR = "content/img/"  # the only public media (views.public_image serves it)


class Section(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.title


class ContentItem(models.Model):
    """What lessons and articles share: text, paywall, publication, moderation."""

    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=160)
    # The meta description: plain text, shown to everyone.
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"), max_length=200_000, blank=True)
    access = models.CharField(
        _("who may read it"), max_length=12, choices=Access.choices, default=Access.FREE
    )
    required_tier = models.ForeignKey(
        SubscriptionTier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("required tier"),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Switched by moderation (content_screen, review decisions) only.
    is_visible = models.BooleanField(default=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(
        "content.Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        # The scheduled-publication run looks items up by status and due time.
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and self.is_visible


class Lesson(ContentItem):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    position = models.PositiveSmallIntegerField(default=0)

    kind = "lesson"

    # Per viewer, set on the lessons that selectors.course_outline returns; not stored.
    is_locked: bool
    is_done: bool
    reading_position: int  # percent

    class Meta(ContentItem.Meta):
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="content_lesson_slug_unique")
        ]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def get_absolute_url(self):
        return reverse(
            "content:lesson_detail", kwargs={"course": self.course.slug, "slug": self.slug}
        )

    @property
    def channel(self) -> Channel:
        return self.course.channel


class Article(ContentItem):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="articles")

    kind = "article"

    class Meta(ContentItem.Meta):
        ordering = ("-published_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["channel", "slug"], name="content_article_slug_unique")
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def get_absolute_url(self):
        return reverse(
            "content:article_detail", kwargs={"channel": self.channel.slug, "slug": self.slug}
        )

    @property
    def course(self) -> None:
        """Articles belong to a channel, not a course (lessons have one)."""
        return None


class Revision(models.Model):
    """Every save of a title or body; restoring one makes a new revision."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=160)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    restored_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-number",)
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_set("lesson", "article"),
                name="content_revision_one_item",
            ),
            models.UniqueConstraint(
                fields=["lesson", "number"], name="content_revision_lesson_number"
            ),
            models.UniqueConstraint(
                fields=["article", "number"], name="content_revision_article_number"
            ),
        ]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self):
        return f"#{self.number} {self.title}"


class Asset(models.Model):
    """An uploaded image (public, random name) or attachment (private storage, served
    only through the access-checked download view)."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        ATTACHMENT = "attachment", _("Attachment")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, null=True, blank=True, related_name="assets"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="assets"
    )
    key = models.CharField(max_length=40, unique=True)  # random, in URLs
    name = models.CharField(_("file name"), max_length=120)  # cleaned, for display
    image = models.ImageField(
        storage=AliasStorage("default"), upload_to=IMAGE_UPLOAD_DIR, blank=True
    )
    file = models.FileField(storage=AliasStorage("private"), upload_to="content/files/", blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_set("lesson", "article"),
                name="content_asset_one_item",
            )
        ]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        if self.kind == self.Kind.IMAGE:
            return self.image.url
        return reverse("content:asset_download", kwargs={"key": self.key})

    @property
    def item(self):
        return self.lesson or self.article


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    scroll_position = models.PositiveSmallIntegerField(default=0)  # percent

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="content_progress_unique")
        ]
        indexes = [models.Index(fields=["user", "course", "-last_opened_at"])]
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")

    def __str__(self):
        return f"{self.user_id} / {self.lesson_id}"
