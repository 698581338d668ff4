"""Reads of the catalogue: listings, detail pages, and permission-checked fetches.

Every listing here runs a fixed number of queries whatever its length (tests pin
them): foreign keys are joined, many-to-many and reverse relations prefetched.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import User
from marketplace import listings
from marketplace.models import (
    Category,
    Channel,
    Course,
    CreatorProfile,
    PublicationStatus,
    SubscriptionTier,
    Tag,
)

PUBLISHED = PublicationStatus.PUBLISHED
L = TypeVar("L", Channel, Course)  # a listing of the catalogue
P = TypeVar("P", SubscriptionTier, Course)  # something with a price
T = TypeVar("T", bound=Model)


@dataclass(frozen=True)
class CatalogueFilters:
    """Validated catalogue query; built by marketplace.forms.CatalogueFilterForm."""

    q: str = ""
    category: Category | None = None
    tag: Tag | None = None
    price: str = ""  # "", "free" or "paid"
    currency: str = ""
    min_price: int | None = None  # minor units of `currency`
    max_price: int | None = None
    language: str = ""
    ordering: str = "newest"  # newest | price_low | price_high | title


def _active_tiers() -> QuerySet[SubscriptionTier]:
    return SubscriptionTier.objects.filter(channel=OuterRef("pk"), is_active=True)


def _with_lowest_tier(qs: QuerySet[Channel]) -> QuerySet[Channel]:
    """Annotate each channel with its cheapest tier on sale ("from ¥30/month")."""
    cheapest = _active_tiers().order_by("price_amount", "id")
    return qs.annotate(
        lowest_price=Subquery(cheapest.values("price_amount")[:1]),
        lowest_price_currency=Subquery(cheapest.values("currency")[:1]),
    )


def _tag_match(model: type[Channel] | type[Course], text: str) -> Exists:
    through = model.tags.through
    owner = "channel_id" if model is Channel else "course_id"
    return Exists(through.objects.filter(**{owner: OuterRef("pk"), "tag__name__icontains": text}))


def _listing_match(
    qs: QuerySet[L], filters: CatalogueFilters, *, text: tuple[str, ...]
) -> QuerySet[L]:
    """Channels or courses that match the search (in the `text` fields and tag names),
    the category, the tag and the language."""
    model = qs.model
    if filters.q:
        words = [Q(**{f"{field}__icontains": filters.q}) for field in text]
        qs = qs.filter(reduce(or_, words) | _tag_match(model, filters.q))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.tag:
        owner = "channel_id" if model is Channel else "course_id"
        tagged = model.tags.through.objects.filter(**{owner: OuterRef("pk"), "tag": filters.tag})
        qs = qs.filter(Exists(tagged))
    if filters.language:
        qs = qs.filter(language=filters.language)
    return qs


def _priced_in_range(qs: QuerySet[P], filters: CatalogueFilters) -> QuerySet[P]:
    """Tiers or courses priced in the filters' currency within its range."""
    qs = qs.filter(currency=filters.currency)
    if filters.min_price is not None:
        qs = qs.filter(price_amount__gte=filters.min_price)
    if filters.max_price is not None:
        qs = qs.filter(price_amount__lte=filters.max_price)
    return qs


def _ordered(qs: QuerySet[L], filters: CatalogueFilters, *, price: str) -> QuerySet[L]:
    order = {
        "newest": ("-published_at", "-id"),
        "price_low": (price, "-published_at", "-id"),
        "price_high": (f"-{price}", "-published_at", "-id"),
        "title": ("title", "id"),
    }[filters.ordering]
    return qs.order_by(*order).prefetch_related("tags")


def _price_ranged(filters: CatalogueFilters) -> bool:
    return filters.min_price is not None or filters.max_price is not None


def channels_public() -> QuerySet[Channel]:
    """Channels anyone may see, pay or tip (pages and API alike)."""
    return Channel.objects.filter(status=PUBLISHED, hidden_by_moderation=False)


def courses_public() -> QuerySet[Course]:
    """Courses anyone may see or buy: the course and its channel public."""
    return Course.objects.filter(status=PUBLISHED, hidden_by_moderation=False).filter(
        channel__in=channels_public()
    )


def catalogue_channels(*, filters: CatalogueFilters) -> QuerySet[Channel]:
    qs = channels_public().select_related("creator", "category")
    text = ("title", "tagline", "description", "creator__display_name")
    qs = _listing_match(qs, filters, text=text)
    if filters.price == "free":
        qs = qs.filter(~Exists(_active_tiers()))
    elif filters.price == "paid":
        qs = qs.filter(Exists(_active_tiers()))
    if _price_ranged(filters):
        # A channel matches when one of its tiers in that currency is in range.
        qs = qs.filter(Exists(_priced_in_range(_active_tiers(), filters)))
    return _ordered(_with_lowest_tier(qs), filters, price="lowest_price")


def catalogue_courses(*, filters: CatalogueFilters) -> QuerySet[Course]:
    qs = courses_public().select_related("channel", "channel__creator", "category")
    text = ("title", "summary", "description", "channel__creator__display_name")
    qs = _listing_match(qs, filters, text=text)
    if filters.price == "free":
        qs = qs.filter(price_amount=0)
    elif filters.price == "paid":
        qs = qs.filter(price_amount__gt=0)
    if _price_ranged(filters):
        qs = _priced_in_range(qs, filters)
    return _ordered(qs, filters, price="price_amount")


def catalogue_facets() -> dict:
    """Categories and popular tags for the filter sidebar (two queries)."""
    return {
        "categories": list(Category.objects.all()),
        "tags": list(
            Tag.objects.filter(Q(channels__status=PUBLISHED) | Q(courses__status=PUBLISHED))
            .distinct()
            .order_by("name")[:40]
        ),
    }


def home_page_sections() -> dict:
    everything = CatalogueFilters()
    return {
        "channels": list(catalogue_channels(filters=everything)[:8]),
        "courses": list(catalogue_courses(filters=everything)[:8]),
        "sessions": listings.listing(listings.HOME_SESSIONS, limit=6),
        "categories": list(Category.objects.all()),
    }


# --- detail pages ------------------------------------------------------------------


def _is_owner(user: User, creator: CreatorProfile) -> bool:
    return user.is_authenticated and creator.user_id == user.pk


def channel_get_for_user(*, slug: str, user: User) -> Channel:
    """A published channel, or the owner's own draft; anything else is a 404."""
    channel = (
        Channel.objects.select_related("creator", "creator__user", "category")
        .prefetch_related("tags")
        .filter(slug=slug)
        .first()
    )
    if channel is None or not (channel.is_published or _is_owner(user, channel.creator)):
        raise Http404
    return channel


def channel_page(*, channel: Channel, user: User) -> dict:
    """What the channel page shows beside the channel itself (four queries)."""
    courses = channel.courses.select_related("category").prefetch_related("tags")
    if not _is_owner(user, channel.creator):
        courses = courses.filter(status=PUBLISHED, hidden_by_moderation=False)
    return {
        "tiers": list(channel.tiers.filter(is_active=True)),
        "courses": list(courses.order_by("-published_at", "-id")),
        "sessions": listings.listing(listings.CHANNEL_SESSIONS, channel=channel, limit=10),
        "is_owner": _is_owner(user, channel.creator),
    }


def course_get_for_user(*, slug: str, user: User) -> Course:
    course = (
        Course.objects.select_related("channel", "channel__creator", "category")
        .prefetch_related("tags")
        .filter(slug=slug)
        .first()
    )
    if course is None:
        raise Http404
    visible = course.is_published and course.channel.is_published
    if not (visible or _is_owner(user, course.channel.creator)):
        raise Http404
    return course


def creator_get_public(*, slug: str) -> CreatorProfile:
    creator = (
        CreatorProfile.objects.select_related("user")
        .prefetch_related(
            "topics",
            Prefetch(
                "channels",
                queryset=_with_lowest_tier(
                    Channel.objects.filter(
                        status=PUBLISHED, hidden_by_moderation=False
                    ).select_related("category")
                ),
                to_attr="published_channels",
            ),
        )
        .filter(slug=slug)
        .first()
    )
    if creator is None:
        raise Http404
    return creator


# --- the creator's own studio --------------------------------------------------------


def creator_get_for_user(*, user: User) -> CreatorProfile | None:
    if not user.is_authenticated:
        return None
    return CreatorProfile.objects.filter(user=user).prefetch_related("topics").first()


def studio_channels(*, creator: CreatorProfile) -> list[Channel]:
    return list(
        creator.channels.select_related("category")
        .prefetch_related("tiers", "courses")
        .order_by("-created_at")
    )


def first_or_404(qs: QuerySet[T]) -> T:
    """The first row of `qs`, or Http404."""
    found = qs.first()
    if found is None:
        raise Http404
    return found


def channel_get_for_editor(*, user: User, slug: str) -> Channel:
    """The user's own channel, drafts included; someone else's is a 404."""
    channels = Channel.objects.select_related("creator", "category").prefetch_related("tags")
    return first_or_404(channels.filter(slug=slug, creator__user_id=user.pk))


def tier_get_for_editor(*, user: User, pk: int) -> SubscriptionTier:
    tiers = SubscriptionTier.objects.select_related("channel", "channel__creator")
    return first_or_404(tiers.filter(pk=pk, channel__creator__user_id=user.pk))


def course_get_for_editor(*, user: User, slug: str) -> Course:
    courses = Course.objects.select_related("channel", "category").prefetch_related("tags")
    return first_or_404(courses.filter(slug=slug, channel__creator__user_id=user.pk))
