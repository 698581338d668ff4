from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import exactly_one_set
from core.money import validate_currency, validate_price_ceiling
from core.pictures import picture_field


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh-hans", _("Chinese")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SessionAccess(models.TextChoices):
    """Who may watch a live session: what an entitlement to one is (livestream's
    sessions take these choices; entitlement_check reads them)."""

    FREE = "free", _("Free for everyone with an account")
    SUBSCRIBERS = "subscribers", _("Subscribers of a tier")
    TICKET = "ticket", _("Ticket holders")


class Category(models.Model):
    """A fixed top-level subject area, named in both site languages."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "slug")
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en


class Tag(models.Model):
    """A free-form topic label ("Python", "理财"). Created on first use."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(max_length=60, unique=True, allow_unicode=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(Lower("name"), name="marketplace_tag_name_ci_unique"),
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class CatalogueItem(models.Model):
    """What channels and courses share: a slug, a title, a language, and a publication
    status their creator sets and moderation may override. The newest published come
    first. (Each keeps its own category and tags: their related names differ.)"""

    slug = models.SlugField(unique=True, max_length=80)
    title = models.CharField(_("title"), max_length=120)
    cover = picture_field(verbose_name=_("cover picture"))  # core.pictures: 16:9 renditions
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set by moderation only (held for review, rejected, hidden after reports).
    hidden_by_moderation = models.BooleanField(_("hidden by moderation"), default=False)

    class Meta:
        abstract = True
        ordering = ("-published_at", "-id")
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        """Public: published by its creator and not hidden by moderation."""
        return self.status == PublicationStatus.PUBLISHED and not self.hidden_by_moderation


class CreatorProfile(models.Model):
    """The public face of a user who sells on the site."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator_profile"
    )
    slug = models.SlugField(unique=True, max_length=60)
    display_name = models.CharField(_("display name"), max_length=60)
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    bio = models.TextField(_("bio"), max_length=3000, blank=True)
    topics = models.ManyToManyField(Tag, blank=True, related_name="creators")
    is_verified = models.BooleanField(_("verified expert"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("creator profile")
        verbose_name_plural = _("creator profiles")

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("marketplace:creator_detail", kwargs={"slug": self.slug})


class Channel(CatalogueItem):
    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="channels")
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="channels")
    tags = models.ManyToManyField(Tag, blank=True, related_name="channels")

    class Meta(CatalogueItem.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def get_absolute_url(self):
        return reverse("marketplace:channel_detail", kwargs={"slug": self.slug})


class SubscriptionTier(models.Model):
    """A monthly membership level of a channel, priced in minor units."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("name"), max_length=60)
    price_amount = models.PositiveIntegerField(
        _("monthly price (minor units)"),
        validators=[MinValueValidator(1), validate_price_ceiling],
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    benefits = models.TextField(_("benefits"), max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("position", "price_amount", "id")
        verbose_name = _("subscription tier")
        verbose_name_plural = _("subscription tiers")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "name"],
                name="marketplace_tier_unique_name",
                violation_error_message=_("This channel already has a tier with that name."),
            ),
            models.CheckConstraint(
                condition=Q(price_amount__gt=0),
                name="marketplace_tier_price_positive",
                violation_error_message=_("A tier must cost something."),
            ),
        ]

    def __str__(self):
        return f"{self.channel} / {self.name}"


class Course(CatalogueItem):
    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="courses")
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="courses")
    tags = models.ManyToManyField(Tag, blank=True, related_name="courses")
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    # 0 means free. A paid course is bought as a one-off ticket (payments app).
    price_amount = models.PositiveIntegerField(
        _("price (minor units)"), default=0, validators=[validate_price_ceiling]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])

    class Meta(CatalogueItem.Meta):
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def get_absolute_url(self):
        return reverse("marketplace:course_detail", kwargs={"slug": self.slug})

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0


class Entitlement(models.Model):
    """A right to watch: a course, a live session, or a channel's subscriber content.

    Granted by payments (a ticket, a subscription period) and by staff; never
    deleted, only ended or revoked, so the history of who could watch what stays.
    """

    class Source(models.TextChoices):
        TICKET = "ticket", _("Ticket")
        SUBSCRIPTION = "subscription", _("Subscription")
        GRANT = "grant", _("Granted by staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entitlements"
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, null=True, blank=True, related_name="entitlements"
    )
    live_session = models.ForeignKey(
        "livestream.LiveSession",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="entitlements",
    )
    # Subscription entitlements: the tier bought, which opens that tier and cheaper ones.
    tier = models.ForeignKey(
        SubscriptionTier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entitlements",
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    # What granted it, e.g. ("payments.purchase", "12") or ("stripe.subscription", "sub_1").
    source_ref = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # None: no end
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_set("course", "live_session", "tier"),
                name="marketplace_entitlement_one_target",
            ),
            models.UniqueConstraint(
                fields=["source", "source_ref"], name="marketplace_entitlement_unique_source"
            ),
        ]
        indexes = [models.Index(fields=["user", "ends_at"])]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self):
        target = self.course or self.live_session or self.tier
        return f"{self.user} -> {target} ({self.get_source_display()})"
