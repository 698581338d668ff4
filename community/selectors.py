"""Reads of community: follower counts, who follows what, the Following feed."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import User
from community.models import FeedItem, Follow
from marketplace.models import Channel, CreatorProfile

FEED_PAGE = 50


def follower_ids(*, channel: Channel) -> QuerySet[Follow, int]:
    """Ids of the users who follow the channel or its creator, each once, in order,
    the creator left out."""
    return (
        Follow.objects.filter(Q(channel=channel) | Q(creator_id=channel.creator_id))
        .exclude(user_id=channel.creator.user_id)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def target_lookup(target: CreatorProfile | Channel) -> dict[str, Any]:
    """The Follow field that points at `target`."""
    return {"creator": target} if isinstance(target, CreatorProfile) else {"channel": target}


def follower_count(*, target: CreatorProfile | Channel) -> int:
    """How many follow this creator, or this channel (one COUNT on an index)."""
    return Follow.objects.filter(**target_lookup(target)).count()


def is_following(*, user: User | AnonymousUser, target: CreatorProfile | Channel) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, **target_lookup(target)).exists()


def following_of(*, user: User) -> QuerySet[Follow]:
    """What the user follows, newest first, with the names to show."""
    return (
        Follow.objects.filter(user=user)
        .select_related("creator", "channel")
        .order_by("-created_at", "-id")
    )


def feed_for(*, user: User, limit: int = FEED_PAGE) -> list[FeedItem]:
    """The user's Following feed: what followed creators and channels published, newest
    first. One query: the follows are a subquery."""
    follows = Follow.objects.filter(user=user)
    return list(
        FeedItem.objects.filter(
            Q(creator_id__in=follows.filter(creator__isnull=False).values("creator_id"))
            | Q(channel_id__in=follows.filter(channel__isnull=False).values("channel_id"))
        )
        .select_related("creator", "channel")
        .order_by("-published_at", "-id")[:limit]
    )
