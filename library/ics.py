"""iCalendar (RFC 5545) for live sessions: one event per file, or the learner's feed.

Times are written in UTC ("...Z"): every calendar app shows them in its owner's own
zone, which is what "in the recipient's zone" needs without a VTIMEZONE block.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from livestream.models import LiveSession

CRLF = "\r\n"


def _escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (3.1),
    never splitting a multi-byte character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return CRLF.join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _event(session: LiveSession, now: datetime) -> list[str]:
    start = session.scheduled_start
    end = start + timedelta(minutes=session.duration_minutes or 60)
    url = _site() + session.get_absolute_url()
    description = f"{session.channel.title}\n{url}"
    if session.description:
        description = f"{session.description}\n\n{description}"
    status = "CANCELLED" if session.status == LiveSession.Status.CANCELLED else "CONFIRMED"
    return [
        "BEGIN:VEVENT",
        f"UID:session-{session.pk}@{urlsplit(_site()).hostname or 'zhiliao'}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{_escape(session.title)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{url}",
        f"STATUS:{status}",
        "END:VEVENT",
    ]


def calendar(sessions: Iterable[LiveSession], *, name: str) -> str:
    """A VCALENDAR holding one VEVENT per session, lines folded, CRLF-terminated."""
    now = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Zhiliao//Live sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for session in sessions:
        lines.extend(_event(session, now))
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + CRLF for line in lines)
