"""What a shared link shows: Open Graph and Twitter-card tags for sessions, replays,
courses, channels and answers, and the share posters' words."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from livestream.models import LiveSession
from marketplace.models import Channel, Course, CreatorProfile
from qa.models import Question


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class ShareMeta:
    title: str
    description: str
    url: str
    kind: str  # og:type
    image: str = ""


def _short(text: str, n: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def share_meta(obj: object) -> ShareMeta:
    """The tags of one shared page. Only what the page shows anyone (titles, public
    descriptions), never a paid answer's text."""
    if isinstance(obj, LiveSession):
        replay = obj.replay_status == LiveSession.Replay.READY and not obj.replay_hidden
        return ShareMeta(
            title=obj.title,
            description=_short(obj.description or obj.channel.title),
            url=absolute(obj.get_absolute_url()),
            kind="video.other" if replay else "website",
            image=absolute(reverse("community:session_poster", args=[obj.pk])),
        )
    if isinstance(obj, Course):
        return ShareMeta(
            title=obj.title,
            description=_short(obj.summary or obj.channel.title),
            url=absolute(obj.get_absolute_url()),
            kind="website",
            image=absolute(reverse("community:course_poster", args=[obj.slug])),
        )
    if isinstance(obj, Channel):
        return ShareMeta(
            title=obj.title,
            description=_short(obj.tagline or obj.description),
            url=absolute(obj.get_absolute_url()),
            kind="profile",
        )
    if isinstance(obj, CreatorProfile):
        return ShareMeta(
            title=obj.display_name,
            description=_short(obj.headline or obj.bio),
            url=absolute(obj.get_absolute_url()),
            kind="profile",
        )
    if isinstance(obj, Question):
        return ShareMeta(
            title=_("Answered question: %(text)s") % {"text": _short(obj.text, 80)},
            description=_short(obj.text),
            url=absolute(obj.get_absolute_url()),
            kind="article",
        )
    raise TypeError(f"nothing to share for {type(obj).__name__}")


def viewer_zone(name: str) -> ZoneInfo:
    """The viewer's time zone by IANA name (the browser sends it); UTC if unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when_in(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} ({zone.key})"
