"""Reads of the live rooms: fetching sessions for a viewer, history, the board."""

from django.db.models import Case, F, QuerySet, Value, When
from django.http import Http404

from accounts.models import User
from livestream.models import LiveSession, Question, RoomEvent
from moderation.selectors import content_held


def session_get_for_user(*, pk: int, user: User) -> LiveSession:
    """The session if it is public (its channel published, the session not held by
    moderation) or the user owns it or is staff, else Http404."""
    session = (
        LiveSession.objects.select_related(
            "channel", "channel__creator", "channel__creator__user", "required_tier", "course"
        )
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    is_owner = user.is_authenticated and session.channel.creator.user_id == user.pk
    hidden = not session.channel.is_published or content_held(session)
    if hidden and not (is_owner or user.is_staff):
        raise Http404
    return session


def room_event_frame(event: RoomEvent) -> dict:
    """The JSON a client receives for one event (docs/live-room-protocol.md)."""
    frame = {"type": event.kind, "seq": event.seq, "at": event.created_at.isoformat()}
    frame.update(event.payload)
    if event.deleted_at is not None:
        frame["text"] = ""
        frame["deleted"] = True
    return frame


def room_events_after(*, session_id: int, after: int, limit: int = 500) -> list[dict]:
    """Events with seq > after, oldest first, at most `limit` of them."""
    events = RoomEvent.objects.filter(session_id=session_id, seq__gt=after).order_by("seq")
    return [room_event_frame(e) for e in events[:limit]]


def room_events_between(*, session_id: int, after: int, before: int) -> list[tuple[int, dict]]:
    events = RoomEvent.objects.filter(
        session_id=session_id, seq__gt=after, seq__lt=before
    ).order_by("seq")
    return [(e.seq, room_event_frame(e)) for e in events]


def room_chat_history(*, session: LiveSession, before: int | None = None, limit: int = 50):
    """The latest chat, tips and system messages (newest last), for late joiners."""
    events = RoomEvent.objects.filter(
        session=session,
        kind__in=(RoomEvent.Kind.CHAT, RoomEvent.Kind.TIP, RoomEvent.Kind.SYSTEM),
    )
    if before is not None:
        events = events.filter(seq__lt=before)
    latest = list(events.order_by("-seq")[:limit])
    return [room_event_frame(e) for e in reversed(latest)]


def question_board(*, session: LiveSession) -> QuerySet[Question]:
    """The board: open questions first, answered next, dismissed last. Within each:
    pinned first, then paid priority questions (highest amount first), then by votes,
    then oldest first. The page script (static/js/live-room.js) sorts the same way."""
    Status = Question.Status
    return (
        Question.objects.filter(session=session)
        .select_related("author")
        .annotate(
            board_rank=Case(
                When(status=Status.OPEN, then=Value(0)),
                When(status=Status.ANSWERED, then=Value(1)),
                default=Value(2),
            ),
            paid_rank=Case(
                When(
                    priority__in=(Question.Priority.HELD, Question.Priority.PAID),
                    then=F("priority_amount"),
                ),
                default=Value(0),
            ),
        )
        .order_by("board_rank", "-pinned", "-paid_rank", "-votes", "created_at", "id")
    )


# --- what clients receive (docs/live-room-protocol.md) ---------------------------


def public_user(user: User, role: str = "viewer") -> dict:
    return {"id": user.pk, "name": user.public_name, "role": role}


def question_payload(question: Question) -> dict:
    return {
        "id": question.pk,
        "text": question.text,
        "user": public_user(question.author),
        "votes": question.votes,
        "status": question.status,
        "pinned": question.pinned,
        "created_at": question.created_at.isoformat(),
        "answered_at": question.answered_at.isoformat() if question.answered_at else None,
        # Paid priority questions: {"amount", "currency", "state"} (state "held" until
        # answered, "paid" once answered, "refunded" when it was not); null otherwise.
        "priority": (
            {
                "amount": question.priority_amount,
                "currency": question.priority_currency,
                "state": question.priority,
            }
            if question.priority
            else None
        ),
    }


def room_settings_payload(session: LiveSession) -> dict:
    return {
        "slow_mode_seconds": session.slow_mode_seconds,
        "subscribers_only": session.subscribers_only_chat,
    }
