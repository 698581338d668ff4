"""What a channel's stream overlay shows (OBS browser source): reads only.

The overlay page has no login: its URL's secret (livestream.models.OverlayKey) is
the permission. So it reveals display names and nothing else about anyone: a
person without a display name, or one who chose to stay anonymous, is shown as
"Anonymous"; no ids, no e-mail, no role.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from livestream.models import LiveSession, OverlayKey, RoomEvent, RoomQuestion, TipLeaderboardOptOut
from marketplace.models import Channel

OVERLAY_QUESTIONS = 3
OVERLAY_CHAT_LINES = 8


def overlay_channel_get(*, token: str) -> Channel:
    """The channel whose overlay URL carries `token`, else Http404 (a rotated-away
    or mistyped URL)."""
    key = (
        OverlayKey.objects.select_related("channel", "channel__creator").filter(token=token).first()
        if token
        else None
    )
    if key is None:
        raise Http404
    return key.channel


def overlay_session(*, channel: Channel) -> LiveSession | None:
    """The session the overlay follows: the channel's live one, else the one that
    started last (its alerts stay visible a while after it ends), else none."""
    sessions = LiveSession.objects.filter(channel=channel, started_at__isnull=False)
    live = sessions.filter(status=LiveSession.Status.LIVE).order_by("-started_at").first()
    return live or sessions.order_by("-started_at", "-id").first()


def _shown_name(author: Any, anonymous: bool) -> str:
    if author is None or anonymous or author.deleted_at is not None or not author.display_name:
        return _("Anonymous")
    return str(author.display_name)


def _events(session: LiveSession, **filters: Any):
    return (
        RoomEvent.objects.filter(session=session, held=False, deleted_at__isnull=True, **filters)
        .select_related("author")
        .annotate(
            anonymous=Exists(TipLeaderboardOptOut.objects.filter(user_id=OuterRef("author_id")))
        )
    )


def overlay_feed(
    *, channel: Channel, session_id: int | None, after: int | None, chat: bool
) -> dict[str, Any]:
    """New tip alerts since `after` in the session the overlay last saw, the top
    open questions, and (with `chat`) the latest chat lines.

    A first call (no `session_id`) starts from now: alerts of tips made before the
    overlay was opened are not replayed. A session the overlay had not seen yet
    (the next broadcast) is read from its start."""
    session = overlay_session(channel=channel)
    if session is None:
        return {"session": None, "last_seq": 0, "status": None, "alerts": [], "questions": [],
                "chat": []}  # fmt: skip
    if session_id != session.pk:
        after = session.last_seq if session_id is None else 0
    after = max(after or 0, 0)
    alerts = [
        {
            "seq": event.seq,
            "name": _shown_name(event.author, event.anonymous),
            "amount": event.payload.get("amount"),
            "currency": event.payload.get("currency"),
            "message": event.payload.get("message", ""),
        }
        for event in _events(session, kind=RoomEvent.Kind.TIP, seq__gt=after).order_by("seq")[:20]
    ]
    questions = [
        {"text": q.text, "name": _shown_name(q.author, False), "votes": q.votes}
        for q in RoomQuestion.objects.filter(session=session, status=RoomQuestion.Status.OPEN)
        .select_related("author")
        .filter(~Q(priority=RoomQuestion.Priority.REFUNDED))
        .order_by("-pinned", "-priority_amount", "-votes", "created_at", "id")[:OVERLAY_QUESTIONS]
    ]
    lines = []
    if chat:
        latest = _events(session, kind=RoomEvent.Kind.CHAT).order_by("-seq")[:OVERLAY_CHAT_LINES]
        lines = [
            {"seq": e.seq, "name": _shown_name(e.author, False), "text": e.payload.get("text", "")}
            for e in reversed(list(latest))
        ]
    return {
        "session": session.pk,
        "status": session.status,
        "last_seq": max([after] + [a["seq"] for a in alerts]),
        "alerts": alerts,
        "questions": questions,
        "chat": lines,
    }
