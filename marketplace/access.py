"""Who may watch what: entitlements, subscriber checks, creator status (reads)."""

from collections.abc import Iterable
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from marketplace.models import (
    Channel,
    Course,
    CreatorProfile,
    Entitlement,
    PublicationStatus,
    SessionAccess,
    SubscriptionTier,
)

PUBLISHED = PublicationStatus.PUBLISHED


class LiveSessionLike(Protocol):
    """What entitlements read of a live session (livestream.LiveSession: that app sits
    above this one, so it is described here rather than imported)."""

    @property
    def pk(self) -> Any: ...
    @property
    def access(self) -> str: ...
    @property
    def channel(self) -> Channel: ...
    @property
    def channel_id(self) -> int: ...
    @property
    def course_id(self) -> int | None: ...
    @property
    def required_tier(self) -> SubscriptionTier | None: ...


def _active_entitlements(user: User) -> QuerySet[Entitlement]:
    now = timezone.now()
    return Entitlement.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        user=user,
        revoked_at__isnull=True,
        starts_at__lte=now,
    )


def entitlement_check(
    *,
    user: User | AnonymousUser,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
) -> bool:
    """The one answer to "may this user watch this course or live session?".

    Everyone: free courses. Logged-in users: free sessions. The channel's creator
    and staff: everything. Others: a ticket for it (or for the session's course),
    or, for subscriber sessions, an active subscription to the required tier or a
    dearer tier of the same channel.
    """
    if course is not None and live_session is None:
        return course.is_free or _sells_to(user, channel=course.channel, course=course)
    if live_session is not None and course is None:
        return _sells_to(user, channel=live_session.channel, live_session=live_session)
    raise ValueError("Ask about exactly one course or one live session.")


def _sells_to(
    user: User | AnonymousUser,
    *,
    channel: Channel,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
) -> bool:
    """entitlement_check past a free course: the creator and staff may watch anything,
    others what they hold an entitlement for."""
    if not user.is_authenticated:
        return False
    if user.is_staff or channel.creator.user_id == user.pk:
        return True
    active = _active_entitlements(user)
    if course is not None:
        return active.filter(course=course).exists()
    if live_session is None:
        return False

    Access = SessionAccess
    if live_session.access == Access.FREE:
        return True
    if live_session.course_id and active.filter(course_id=live_session.course_id).exists():
        return True
    if live_session.access == Access.TICKET:
        return active.filter(live_session_id=live_session.pk).exists()
    return tier_subscriber_check(
        user=user, channel_id=live_session.channel_id, required_tier=live_session.required_tier
    )


def entitled_among(*, live_session: LiveSessionLike, user_ids: Iterable[int]) -> set[int]:
    """Of `user_ids`, those an entitlement lets watch the live session now: a ticket for
    it or its course, or for a subscriber session a qualifying tier (entitlement_check's
    rules, for a whole room in one query). Staff and the channel's creator are not
    included unless they hold one: callers ask entitlement_check about the rest."""
    ids = set(user_ids)
    if live_session.access == SessionAccess.FREE:
        return ids
    if not ids:
        return set()
    now = timezone.now()
    covers = Q(course_id=live_session.course_id) if live_session.course_id else Q(pk__in=[])
    if live_session.access == SessionAccess.TICKET:
        covers |= Q(live_session_id=live_session.pk)
    else:
        tier = Q(tier__channel_id=live_session.channel_id)
        required = live_session.required_tier
        if required is not None:
            tier &= Q(tier=required) | Q(
                tier__currency=required.currency, tier__price_amount__gte=required.price_amount
            )
        covers |= tier
    active = Entitlement.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        user_id__in=ids,
        revoked_at__isnull=True,
        starts_at__lte=now,
    )
    return set(active.filter(covers).values_list("user_id", flat=True).distinct())


def tier_subscriber_check(
    *, user: User | AnonymousUser, channel_id: int, required_tier: SubscriptionTier | None
) -> bool:
    """An active subscription to the required tier or a dearer tier of the channel
    (any tier of the channel when none is required)."""
    if not user.is_authenticated:
        return False
    tiers = _active_entitlements(user).filter(tier__channel_id=channel_id)
    if required_tier is not None:
        tiers = tiers.filter(
            Q(tier=required_tier)
            | Q(
                tier__currency=required_tier.currency,
                tier__price_amount__gte=required_tier.price_amount,
            )
        )
    return tiers.exists()


def channel_subscriber_check(*, user: User, channel: Channel) -> bool:
    """Does this user hold an active subscription to any tier of the channel?"""
    return tier_subscriber_check(user=user, channel_id=channel.pk, required_tier=None)


def creator_is(user: User) -> bool:
    return CreatorProfile.objects.filter(user=user).exists()


def creator_is_verified(user: User) -> bool:
    """A moderator verified this creator (the badge on their profile)."""
    return CreatorProfile.objects.filter(user=user, is_verified=True).exists()
