"""Reads for the host's console: the pinned chat message, tip totals and tip
leaderboards."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum

from accounts.models import User
from livestream.models import LiveSession, RoomEvent, TipLeaderboardOptOut
from marketplace.models import Channel
from payments.models import Tip


def room_pinned_payload(session: LiveSession) -> dict | None:
    """The chat message pinned above the room's chat, or None (none pinned, or it was
    deleted since): what `welcome` and the page give a late joiner."""
    if session.pinned_seq is None:
        return None
    event = RoomEvent.objects.filter(
        session_id=session.pk,
        seq=session.pinned_seq,
        kind=RoomEvent.Kind.CHAT,
        held=False,
        deleted_at__isnull=True,
    ).first()
    if event is None:
        return None
    return {"target": event.seq, "user": event.payload.get("user"), "text": event.payload["text"]}


def session_tip_totals(*, session: LiveSession) -> dict[str, int]:
    """Tips received in this session, by currency (one query)."""
    rows = Tip.objects.filter(live_session=session).values("currency").annotate(total=Sum("amount"))
    return {row["currency"]: row["total"] for row in rows.order_by("currency")}


def leaderboard_opted_out(*, user: User) -> bool:
    return user.is_authenticated and TipLeaderboardOptOut.objects.filter(user=user).exists()


def tip_leaderboard(
    *, session: LiveSession | None = None, channel: Channel | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """The biggest tippers of one session or of every session of one channel, by
    total per currency, biggest first; tippers who chose to stay anonymous are left
    out (two queries: the totals, then the tippers' names)."""
    tips = Tip.objects.filter(live_session__isnull=False).exclude(
        Exists(TipLeaderboardOptOut.objects.filter(user_id=OuterRef("tipper_id")))
    )
    if session is not None:
        tips = tips.filter(live_session=session)
    elif channel is not None:
        tips = tips.filter(live_session__channel=channel, creator_id=channel.creator.user_id)
    else:
        raise ValueError("a leaderboard is of a session or of a channel")
    rows = list(
        tips.values("tipper_id", "currency")
        .annotate(total=Sum("amount"), tips=Count("pk"))
        .order_by("-total", "tipper_id")[:limit]
    )
    tippers = User.objects.in_bulk([row["tipper_id"] for row in rows])
    return [
        {
            "rank": rank,
            "name": tippers[row["tipper_id"]].public_name,
            "total": row["total"],
            "currency": row["currency"],
            "tips": row["tips"],
        }
        for rank, row in enumerate(rows, start=1)
    ]
