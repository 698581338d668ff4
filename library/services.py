"""Writes of "My learning": the learner's secret calendar feed."""

import secrets

from django.db import transaction

from accounts.models import User
from library.models import CalendarFeed


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    """The learner's feed, made on first use (concurrent first visits make one)."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user, defaults={"token": _new_token()})
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret URL: whoever held the old one (a shared calendar) loses it."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_new_token())
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed
