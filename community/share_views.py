"""Share posters (PNG) for sessions and courses, a channel's schedule as iCal and its
public content as RSS."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community import ical
from community.models import FeedItem
from community.sharing import absolute, viewer_zone, when_in
from core.posters import poster_png
from livestream.selectors import session_get_for_user, sessions_public
from marketplace.models import Channel
from marketplace.selectors import course_get_for_user

POSTER_CACHE_SECONDS = 300


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={POSTER_CACHE_SECONDS}"
    return response


def _poster(request: HttpRequest, item: Any, *, kicker: str, start: datetime) -> HttpResponse:
    """A session's or course's poster; ?tz=Asia/Shanghai writes `start` in that zone
    (the share button sends the browser's); an unknown zone falls back to UTC and says
    so on the poster."""
    zone = viewer_zone(request.GET.get("tz", ""))
    return _png(
        poster_png(
            title=item.title,
            kicker=kicker,
            byline=item.channel.title,
            when=when_in(start, zone),
            url=absolute(item.get_absolute_url()),
            seed=item.channel.slug,
        )
    )


@require_GET
def session_poster(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_user(pk=pk, user=request.user)  # type: ignore[arg-type]
    return _poster(request, session, kicker=_("Live session"), start=session.scheduled_start)


@require_GET
def course_poster(request: HttpRequest, slug: str) -> HttpResponse:
    course = course_get_for_user(slug=slug, user=request.user)  # type: ignore[arg-type]
    return _poster(
        request, course, kicker=_("Course"), start=course.published_at or course.created_at
    )


def _public_channel(slug: str) -> Channel:
    return get_object_or_404(
        Channel.objects.select_related("creator"),
        slug=slug,
        status="published",
        hidden_by_moderation=False,
    )


@require_GET
def channel_schedule_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The channel's upcoming and live public sessions, for a calendar app to subscribe."""
    channel = _public_channel(slug)
    sessions = (
        sessions_public()
        .filter(channel=channel, status__in=("scheduled", "live"))
        .filter(scheduled_start__gte=timezone.now() - timedelta(days=1))
        .order_by("scheduled_start")[:200]
    )
    body = ical.calendar(
        name=channel.title,
        events=[
            ical.CalendarEvent(
                uid=f"session-{session.pk}@zhiliao",
                start=session.scheduled_start,
                minutes=session.duration_minutes,
                summary=session.title,
                description=session.description,
                url=absolute(session.get_absolute_url()),
            )
            for session in sessions
        ],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{channel.slug}.ics"'
    return response


class ChannelFeed(Feed):
    """RSS of a channel's public content, newest first (the feed items community keeps:
    sessions, courses, lessons, articles, replays)."""

    feed_type = Rss201rev2Feed

    def get_object(self, request: HttpRequest, slug: str) -> Channel:
        return _public_channel(slug)

    def title(self, obj: Channel) -> str:
        return obj.title

    def link(self, obj: Channel) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Channel) -> str:
        return obj.tagline or obj.description

    def items(self, obj: Channel) -> list[FeedItem]:
        return list(FeedItem.objects.filter(channel=obj).order_by("-published_at", "-id")[:50])

    def item_title(self, item: FeedItem) -> str:
        return f"{item.get_kind_display()}: {item.title}"

    def item_description(self, item: FeedItem) -> str:
        return item.title

    def item_link(self, item: FeedItem) -> str:
        return item.url

    def item_pubdate(self, item: FeedItem):  # noqa: ANN201 (the Feed API's name)
        return item.published_at

    def item_guid(self, item: FeedItem) -> str:
        return f"{item.kind}-{item.object_id}"

    item_guid_is_permalink = False
