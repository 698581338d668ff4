"""Reads of what a learner holds ("My learning", the "Open" and "Subscribed" states):
entitlements read once, and the checks that answer from them without a query."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import User
from marketplace.access import (
    _active_entitlements,
    channel_subscriber_check,
    entitlement_check,
)
from marketplace.models import Course, Entitlement, SubscriptionTier
from marketplace.selectors import courses_public


def course_follow_check(*, user: User | AnonymousUser, course: Course) -> bool:
    """May this user follow the course (read its lessons past the preview, discuss it,
    track progress)? Its ticket holders, and the subscribers of its channel."""
    return entitlement_check(user=user, course=course) or (
        user.is_authenticated and channel_subscriber_check(user=user, channel=course.channel)
    )


@dataclass(frozen=True)
class Holdings:
    """What a learner holds right now, read once (one query) for "My learning"."""

    entitlements: list[Entitlement]

    @property
    def course_ids(self) -> set[int]:
        return {e.course_id for e in self.entitlements if e.course_id}

    @property
    def session_ids(self) -> set[int]:
        return {e.live_session_id for e in self.entitlements if e.live_session_id}

    @property
    def tiers(self) -> list[SubscriptionTier]:
        return [e.tier for e in self.entitlements if e.tier is not None]

    @property
    def channel_ids(self) -> set[int]:
        """Channels the learner subscribes to (any tier)."""
        return {tier.channel_id for tier in self.tiers}

    def covers_tier(self, *, channel_id: int, required_tier: SubscriptionTier | None) -> bool:
        """tier_subscriber_check without a query: the required tier or a dearer one of
        the same channel (any tier of it when none is required)."""
        for tier in self.tiers:
            if tier.channel_id != channel_id:
                continue
            if required_tier is None or tier.pk == required_tier.pk:
                return True
            if (
                tier.currency == required_tier.currency
                and tier.price_amount >= required_tier.price_amount
            ):
                return True
        return False


def holdings_for(*, user: User) -> Holdings:
    """The user's active entitlements with what they open joined (one query)."""
    rows = (
        _active_entitlements(user)
        .select_related("course", "course__channel", "tier", "tier__channel")
        .order_by("created_at", "pk")
    )
    return Holdings(entitlements=list(rows))


def courses_followed(*, user: User, holdings: Holdings) -> list[Course]:
    """Published courses the user bought, or that come with a channel they subscribe
    to, newest first (one query)."""
    if not holdings.course_ids and not holdings.channel_ids:
        return []
    return list(
        courses_public()
        .filter(Q(pk__in=holdings.course_ids) | Q(channel_id__in=holdings.channel_ids))
        .select_related("channel", "channel__creator")
        .order_by("-published_at", "-pk")
    )
