"""Every write to creators, channels, tiers, courses and tags.

Services validate the whole object (`full_clean`) so that the web forms and the API
enforce the same rules; they raise `django.core.exceptions.ValidationError` with
field names that match the form and serializer fields.
"""

import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Required, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.pictures import picture_replace
from core.refusals import Conflict
from core.slugs import slug_check_free, unique_slug
from marketplace.events import ListingPublished, PriceChanged
from marketplace.models import (
    Category,
    Channel,
    Course,
    CreatorProfile,
    PublicationStatus,
    SubscriptionTier,
    Tag,
)
from marketplace.selectors import L
from moderation.services import creator_content_screen, fields_screen
from payments import services as payment_services

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
            raise Conflict({"slug": _("This address is already taken.")}) from exc
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


class CreatorFields(TypedDict, total=False):
    """What a creator says about themselves; left out: empty (an update too)."""

    display_name: Required[str]
    headline: str
    bio: str
    topics: Iterable[str]


def _creator_save(
    creator: CreatorProfile, fields: CreatorFields, *, update_fields: list[str] | None = None
) -> CreatorProfile:
    _fields_check(fields, CreatorFields)
    display_name, headline, bio = (
        fields["display_name"],
        fields.get("headline", ""),
        fields.get("bio", ""),
    )
    _fields_screen(display_name=display_name, headline=headline, bio=bio)
    creator.display_name = display_name.strip()
    creator.headline = headline.strip()
    creator.bio = bio.strip()
    if not creator.slug:
        creator.slug = unique_slug(CreatorProfile, display_name, fallback="creator")
    _save_validated(creator, update_fields=update_fields)
    creator.topics.set(tags_get_or_create(names=fields.get("topics", ())))
    return creator


@transaction.atomic
def creator_become(*, user: User, **fields: Unpack[CreatorFields]) -> CreatorProfile:
    """The user becomes a creator (once): a public profile with a slug of its own."""
    if CreatorProfile.objects.filter(user=user).exists():
        raise Conflict(_("You are already a creator."))
    return _creator_save(CreatorProfile(user=user), fields)


@transaction.atomic
def creator_update(*, creator: CreatorProfile, **fields: Unpack[CreatorFields]) -> CreatorProfile:
    return _creator_save(creator, fields, update_fields=["display_name", "headline", "bio"])


# --- channels and courses: listings the catalogue shows ----------------------------


class ChannelFields(TypedDict, total=False):
    """What a creator sets on a channel; left out: the default (an update too)."""

    title: Required[str]
    category: Required[Category]
    tagline: str  # ""
    description: str  # ""
    language: str  # "en"
    tags: Iterable[str]  # none
    status: str  # draft
    slug: str  # "" for one made from the title (kept on update)


class CourseFields(TypedDict, total=False):
    """What a creator sets on a course; left out: the default (an update too)."""

    title: Required[str]
    category: Required[Category]
    currency: Required[str]
    price_amount: int  # 0: free
    summary: str  # ""
    description: str  # ""
    level: str  # beginner
    language: str  # "en"
    tags: Iterable[str]  # none
    status: str  # draft
    slug: str  # "" for one made from the title (kept on update)


def _fields_check(fields: Mapping[str, Any], spec: Any) -> None:
    """A field `spec` (a TypedDict) does not have, or one it requires missing, is a
    TypeError, as a wrong keyword argument is."""
    if unknown := set(fields) - spec.__required_keys__ - spec.__optional_keys__:
        raise TypeError(f"not a field of {spec.__name__}: {sorted(unknown)}")
    if missing := spec.__required_keys__ - set(fields):
        raise TypeError(f"missing fields of {spec.__name__}: {sorted(missing)}")


def fields_current(obj: Any, spec: Any) -> dict[str, Any]:
    """The values `obj` (a channel, course or tier) has now of the fields its update
    takes (`spec`: ChannelFields, CourseFields or TierFields); tags by name. What an
    edit page starts from, and what a PATCH is laid over."""
    names = spec.__required_keys__ | spec.__optional_keys__
    return {
        name: tag_names(obj, name) if name in ("tags", "topics") else getattr(obj, name)
        for name in names
    }


def fields_pick(data: Mapping[str, Any], spec: Any) -> dict[str, Any]:
    """The fields of `spec` (ChannelFields, CourseFields or TierFields) in `data` (a
    form's cleaned data, say), for the create or update service."""
    names = spec.__required_keys__ | spec.__optional_keys__
    return {name: value for name, value in data.items() if name in names}


def tag_names(obj: Channel | Course | CreatorProfile, field: str = "tags") -> list[str]:
    """The names of the object's tags (a creator's: `field` "topics")."""
    return [t.name for t in getattr(obj, field).all()]


_LISTING_DEFAULTS: dict[str, Any] = {
    "tagline": "",
    "summary": "",
    "description": "",
    "language": "en",
    "level": Course.Level.BEGINNER,
    "price_amount": 0,
}
_TEXT_FIELDS = frozenset({"title", "tagline", "summary", "description"})


def _listing_save(obj: L, fields: Mapping[str, Any], spec: Any) -> L:
    """Create or update a channel or course: its fields (text stripped), its address
    (one typed must be free; a new listing without one gets one from the title), its
    publication state and tags; saved validated, then screened by moderation. `fields`
    are those of `spec` (a wrong or missing name is a TypeError, as for any call)."""
    _fields_check(fields, spec)
    model = type(obj)
    values = dict(fields)
    slug, status = values.pop("slug", ""), values.pop("status", PublicationStatus.DRAFT)
    tags = values.pop("tags", ())
    if slug and slug != obj.slug:
        slug_check_free(model, slug, exclude_pk=obj.pk)
        obj.slug = slug
    old_price = (obj.price_amount, obj.currency) if isinstance(obj, Course) else None
    for name, default in _LISTING_DEFAULTS.items():
        if name in spec.__optional_keys__:
            values.setdefault(name, default)
    for name, value in values.items():
        setattr(obj, name, value.strip() if name in _TEXT_FIELDS else value)
    if not obj.slug:
        obj.slug = unique_slug(model, obj.title, fallback=model._meta.model_name or "")
    # The status is set below only: what the instance holds is what was stored.
    was_published = obj.pk is not None and obj.status == PublicationStatus.PUBLISHED
    _publication_fields(obj, status)
    _save_validated(obj)
    obj.tags.set(tags_get_or_create(names=tags))
    owner = obj.creator if isinstance(obj, Channel) else obj.channel.creator
    _moderation_screen(obj, creator_user=owner.user)
    if status == PublicationStatus.PUBLISHED and not was_published:
        kind = "channel" if isinstance(obj, Channel) else "course"
        events.send_on_commit(ListingPublished(kind=kind, object_id=obj.pk))
    elif isinstance(obj, Course) and was_published and status == PublicationStatus.PUBLISHED:
        if old_price != (obj.price_amount, obj.currency):
            events.send_on_commit(
                PriceChanged(
                    kind="course",
                    object_id=obj.pk,
                    channel_id=obj.channel_id,
                    old_amount=old_price[0] if old_price else 0,
                    new_amount=obj.price_amount,
                    currency=obj.currency,
                )
            )
    return obj


@transaction.atomic
def channel_create(*, creator: CreatorProfile, **fields: Unpack[ChannelFields]) -> Channel:
    """A creator's new channel: a draft unless `status` publishes it at once."""
    return _listing_save(Channel(creator=creator), fields, ChannelFields)


@transaction.atomic
def channel_update(*, channel: Channel, **fields: Unpack[ChannelFields]) -> Channel:
    return _listing_save(channel, fields, ChannelFields)


@transaction.atomic
def course_create(*, channel: Channel, **fields: Unpack[CourseFields]) -> Course:
    """A new course in the channel, free unless it has a price; a draft unless `status`
    publishes it. Buyers get it through marketplace entitlements (payments sells it)."""
    return _listing_save(Course(channel=channel), fields, CourseFields)


@transaction.atomic
def course_update(*, course: Course, **fields: Unpack[CourseFields]) -> Course:
    return _listing_save(course, fields, CourseFields)


# --- subscription tiers ------------------------------------------------------------


class TierFields(TypedDict, total=False):
    """What a creator sets on a tier; left out: the default (an update too)."""

    name: Required[str]
    price_amount: Required[int]  # a month, minor units
    currency: Required[str]
    benefits: str  # ""
    is_active: bool  # True: on sale


def _tier_save(tier: SubscriptionTier, fields: TierFields) -> SubscriptionTier:
    """Create or update a tier: one name per channel (whatever the case), screened."""
    _fields_check(fields, TierFields)
    name, benefits = fields["name"], fields.get("benefits", "")
    clash = tier.channel.tiers.filter(name__iexact=name.strip())
    if tier.pk is not None:
        clash = clash.exclude(pk=tier.pk)
    if clash.exists():
        raise Conflict({"name": _("This channel already has a tier with that name.")})
    _fields_screen(name=name, benefits=benefits)
    tier.name = name.strip()
    tier.price_amount = fields["price_amount"]
    tier.currency = fields["currency"]
    tier.benefits = benefits.strip()
    tier.is_active = fields.get("is_active", True)
    _save_validated(tier)
    return tier


@transaction.atomic
def tier_create(*, channel: Channel, **fields: Unpack[TierFields]) -> SubscriptionTier:
    return _tier_save(SubscriptionTier(channel=channel, position=channel.tiers.count()), fields)


@transaction.atomic
def tier_update(*, tier: SubscriptionTier, **fields: Unpack[TierFields]) -> SubscriptionTier:
    """Save the tier. A new price is what new subscribers pay at once; current
    subscribers are told and keep their price until the first renewal at least
    SUBSCRIPTION_PRICE_NOTICE_DAYS away (payments schedules it)."""
    old_price = (tier.price_amount, tier.currency)
    tier = _tier_save(tier, fields)
    if old_price != (tier.price_amount, tier.currency):
        told = payment_services.tier_price_change_schedule(
            tier=tier,
            amount=tier.price_amount,
            currency=tier.currency,
            notice_days=settings.SUBSCRIPTION_PRICE_NOTICE_DAYS,
        )
        if told:
            events.send_on_commit(
                PriceChanged(
                    kind="tier",
                    object_id=tier.pk,
                    channel_id=tier.channel_id,
                    old_amount=old_price[0],
                    new_amount=tier.price_amount,
                    currency=tier.currency,
                )
            )
    return tier


def listing_cover_update(
    *, listing: Channel | Course, user: User, upload: UploadedFile | None
) -> None:
    """A channel's or course's cover picture, by its creator; None removes it. A
    refused file raises ValidationError and the old cover stays."""
    creator = listing.creator if isinstance(listing, Channel) else listing.channel.creator
    if creator.user_id != user.pk:
        raise PermissionDenied
    picture_replace(instance=listing, field="cover", shape="cover", upload=upload)
