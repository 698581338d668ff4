"""Every write to creators, channels, tiers, courses and tags.

Services validate the whole object (`full_clean`) so that the web forms and the API
enforce the same rules; they raise `django.core.exceptions.ValidationError` with
field names that match the form and serializer fields.
"""

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from core.slugs import slug_check_free, unique_slug
from marketplace import signals
from marketplace.models import (
    Category,
    Channel,
    Course,
    CreatorProfile,
    Entitlement,
    PublicationStatus,
    SubscriptionTier,
    Tag,
)
from marketplace.selectors import LiveSessionLike
from moderation.services import creator_content_screen, fields_screen

MAX_TAGS = 10


# --- helpers ---------------------------------------------------------------------


def _save_validated(obj: Model, *, update_fields: list[str] | None = None) -> None:
    """full_clean then save; a unique-constraint race becomes a ValidationError too."""
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
    except IntegrityError as exc:
        # Two requests validated the same slug at once; the loser gets the same
        # message full_clean would have given it a moment later.
        if "slug" in str(exc):
            raise ValidationError({"slug": _("This address is already taken.")}) from exc
        raise


def tags_get_or_create(*, names: Iterable[str]) -> list[Tag]:
    """Tags for the given names, case-insensitively deduplicated, created on first use."""
    cleaned: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:40]
        if name and name.casefold() not in cleaned:
            cleaned[name.casefold()] = name
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": _("Use at most %(n)d tags.") % {"n": MAX_TAGS}})
    tags = []
    for name in cleaned.values():
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                _fields_screen(tags=name)  # a new tag is public at once
            except ValidationError as exc:
                raise ValidationError(
                    {
                        "tags": _("The tag “%(name)s”: %(reason)s")
                        % {"name": name, "reason": " ".join(exc.messages)}
                    }
                ) from None
            slug = slugify(name, allow_unicode=True)[:50] or secrets.token_hex(4)
            if Tag.objects.filter(slug=slug).exists():
                slug = f"{slug}-{secrets.token_hex(2)}"
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name, slug=slug)
            except IntegrityError:
                # Another request created the same tag a moment ago: use theirs.
                tag = Tag.objects.get(name__iexact=name)
        tags.append(tag)
    return tags


def _fields_screen(**fields: str) -> None:
    """Short texts shown without review (see moderation.services.fields_screen)."""
    fields_screen(fields)


def _moderation_screen(obj: Channel | Course, *, creator_user: User) -> None:
    """Screen published channels and courses (moderation may refuse, hold or show);
    drafts are not public, so they wait until they are published."""
    if obj.status == PublicationStatus.PUBLISHED:
        creator_content_screen(obj=obj, creator_user=creator_user)


def _publication_fields(obj: Channel | Course, status: str) -> None:
    obj.status = status
    if status == PublicationStatus.PUBLISHED and obj.published_at is None:
        obj.published_at = timezone.now()


# --- creators --------------------------------------------------------------------


@transaction.atomic
def creator_become(
    *,
    user: User,
    display_name: str,
    headline: str = "",
    bio: str = "",
    topics: Iterable[str] = (),
) -> CreatorProfile:
    if CreatorProfile.objects.filter(user=user).exists():
        raise ValidationError(_("You are already a creator."))
    _fields_screen(display_name=display_name, headline=headline, bio=bio)
    creator = CreatorProfile(
        user=user,
        display_name=display_name.strip(),
        headline=headline.strip(),
        bio=bio.strip(),
        slug=unique_slug(CreatorProfile, display_name, fallback="creator"),
    )
    _save_validated(creator)
    creator.topics.set(tags_get_or_create(names=topics))
    return creator


@transaction.atomic
def creator_update(
    *,
    creator: CreatorProfile,
    display_name: str,
    headline: str = "",
    bio: str = "",
    topics: Iterable[str] = (),
) -> CreatorProfile:
    _fields_screen(display_name=display_name, headline=headline, bio=bio)
    creator.display_name = display_name.strip()
    creator.headline = headline.strip()
    creator.bio = bio.strip()
    _save_validated(creator, update_fields=["display_name", "headline", "bio"])
    creator.topics.set(tags_get_or_create(names=topics))
    return creator


# --- channels --------------------------------------------------------------------


@transaction.atomic
def channel_create(
    *,
    creator: CreatorProfile,
    title: str,
    category: Category,
    tagline: str = "",
    description: str = "",
    language: str = "en",
    tags: Iterable[str] = (),
    status: str = PublicationStatus.DRAFT,
    slug: str = "",
) -> Channel:
    if slug:
        slug_check_free(Channel, slug)
    channel = Channel(
        creator=creator,
        title=title.strip(),
        tagline=tagline.strip(),
        description=description.strip(),
        category=category,
        language=language,
        slug=slug or unique_slug(Channel, title, fallback="channel"),
    )
    _publication_fields(channel, status)
    _save_validated(channel)
    channel.tags.set(tags_get_or_create(names=tags))
    _moderation_screen(channel, creator_user=channel.creator.user)
    return channel


@transaction.atomic
def channel_update(
    *,
    channel: Channel,
    title: str,
    category: Category,
    tagline: str = "",
    description: str = "",
    language: str = "en",
    tags: Iterable[str] = (),
    status: str = PublicationStatus.DRAFT,
    slug: str = "",
) -> Channel:
    if slug and slug != channel.slug:
        slug_check_free(Channel, slug, exclude_pk=channel.pk)
        channel.slug = slug
    channel.title = title.strip()
    channel.tagline = tagline.strip()
    channel.description = description.strip()
    channel.category = category
    channel.language = language
    _publication_fields(channel, status)
    _save_validated(channel)
    channel.tags.set(tags_get_or_create(names=tags))
    _moderation_screen(channel, creator_user=channel.creator.user)
    return channel


# --- subscription tiers ------------------------------------------------------------


@transaction.atomic
def tier_create(
    *,
    channel: Channel,
    name: str,
    price_amount: int,
    currency: str,
    benefits: str = "",
    is_active: bool = True,
) -> SubscriptionTier:
    if channel.tiers.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("This channel already has a tier with that name.")})
    _fields_screen(name=name, benefits=benefits)
    tier = SubscriptionTier(
        channel=channel,
        name=name.strip(),
        price_amount=price_amount,
        currency=currency,
        benefits=benefits.strip(),
        is_active=is_active,
        position=channel.tiers.count(),
    )
    _save_validated(tier)
    return tier


@transaction.atomic
def tier_update(
    *,
    tier: SubscriptionTier,
    name: str,
    price_amount: int,
    currency: str,
    benefits: str = "",
    is_active: bool = True,
) -> SubscriptionTier:
    clash = tier.channel.tiers.filter(name__iexact=name.strip()).exclude(pk=tier.pk)
    if clash.exists():
        raise ValidationError({"name": _("This channel already has a tier with that name.")})
    _fields_screen(name=name, benefits=benefits)
    tier.name = name.strip()
    tier.price_amount = price_amount
    tier.currency = currency
    tier.benefits = benefits.strip()
    tier.is_active = is_active
    _save_validated(tier)
    return tier


# --- courses ---------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    channel: Channel,
    title: str,
    category: Category,
    currency: str,
    price_amount: int = 0,
    summary: str = "",
    description: str = "",
    level: str = Course.Level.BEGINNER,
    language: str = "en",
    tags: Iterable[str] = (),
    status: str = PublicationStatus.DRAFT,
    slug: str = "",
) -> Course:
    if slug:
        slug_check_free(Course, slug)
    course = Course(
        channel=channel,
        title=title.strip(),
        summary=summary.strip(),
        description=description.strip(),
        category=category,
        level=level,
        language=language,
        price_amount=price_amount,
        currency=currency,
        slug=slug or unique_slug(Course, title, fallback="course"),
    )
    _publication_fields(course, status)
    _save_validated(course)
    course.tags.set(tags_get_or_create(names=tags))
    _moderation_screen(course, creator_user=course.channel.creator.user)
    return course


@transaction.atomic
def course_update(
    *,
    course: Course,
    title: str,
    category: Category,
    currency: str,
    price_amount: int = 0,
    summary: str = "",
    description: str = "",
    level: str = Course.Level.BEGINNER,
    language: str = "en",
    tags: Iterable[str] = (),
    status: str = PublicationStatus.DRAFT,
    slug: str = "",
) -> Course:
    if slug and slug != course.slug:
        slug_check_free(Course, slug, exclude_pk=course.pk)
        course.slug = slug
    course.title = title.strip()
    course.summary = summary.strip()
    course.description = description.strip()
    course.category = category
    course.level = level
    course.language = language
    course.price_amount = price_amount
    course.currency = currency
    _publication_fields(course, status)
    _save_validated(course)
    course.tags.set(tags_get_or_create(names=tags))
    _moderation_screen(course, creator_user=course.channel.creator.user)
    return course


# --- entitlements (called by payments and by staff tools) ---------------------------


@transaction.atomic
def entitlement_grant(
    *,
    user: User,
    source: str,
    source_ref: str,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
    tier: SubscriptionTier | None = None,
    ends_at: datetime | None = None,
) -> Entitlement:
    """Grant access once per (source, source_ref): a replay returns the first grant."""
    entitlement, _created = Entitlement.objects.get_or_create(
        source=source,
        source_ref=source_ref,
        defaults={
            "user": user,
            "course": course,
            "live_session_id": live_session.pk if live_session is not None else None,
            "tier": tier,
            "starts_at": timezone.now(),
            "ends_at": ends_at,
        },
    )
    return entitlement


@transaction.atomic
def entitlement_extend(
    *, user: User, tier: SubscriptionTier, source_ref: str, ends_at: datetime
) -> Entitlement:
    """A paid subscription period: access runs at least until `ends_at`.

    Periods can arrive out of order (webhooks do): the end only ever moves later.
    """
    entitlement = (
        Entitlement.objects.select_for_update()
        .filter(source=Entitlement.Source.SUBSCRIPTION, source_ref=source_ref)
        .first()
    )
    if entitlement is None:
        return entitlement_grant(
            user=user,
            source=Entitlement.Source.SUBSCRIPTION,
            source_ref=source_ref,
            tier=tier,
            ends_at=ends_at,
        )
    if entitlement.ends_at is None or ends_at > entitlement.ends_at:
        entitlement.ends_at = ends_at
        entitlement.tier = tier
        entitlement.save(update_fields=["ends_at", "tier"])
    return entitlement


@transaction.atomic
def entitlement_revoke(*, source: str, source_ref: str) -> None:
    """End a grant; once committed, listeners (live rooms) hear which users lost it."""
    revoked = Entitlement.objects.filter(
        source=source, source_ref=source_ref, revoked_at__isnull=True
    )
    user_ids = sorted(set(revoked.values_list("user_id", flat=True)))
    if not user_ids:
        return
    revoked.update(revoked_at=timezone.now())
    transaction.on_commit(
        lambda: signals.entitlements_revoked.send(sender=Entitlement, user_ids=user_ids)
    )
