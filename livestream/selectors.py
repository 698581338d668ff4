"""Reads of the live rooms: fetching sessions for a viewer, history, the board."""

from datetime import timedelta
from typing import Any

from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from livestream.models import (
    LiveSession,
    RoomEvent,
    RoomPresenceMinute,
    RoomQuestion,
    SessionReminder,
)
from marketplace.access import entitled_among
from marketplace.holdings import Holdings
from marketplace.models import Channel, CreatorProfile, PublicationStatus
from marketplace.selectors import CatalogueFilters, first_or_404
from moderation.models import ReviewItem
from moderation.selectors import content_held, reviews_holding


def session_get_for_user(*, pk: int, user: User) -> LiveSession:
    """The session if it is public (its channel published, the session not held by
    moderation) or the user owns it or is staff, else Http404."""
    session = (
        LiveSession.objects.select_related(
            "channel",
            "channel__creator",
            "channel__creator__user",
            "required_tier",
            "course",
            "sequence",  # the room's last_seq, read with the session
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


# --- listings: the home page, the catalogue, a channel, the creator's studio ---------


def held_sessions() -> QuerySet[ReviewItem]:
    """Live sessions moderation holds or rejected (LiveSession has no visibility
    field: the review queue is the record), for `~Exists(...)` on a session query."""
    return reviews_holding(LiveSession).filter(object_id=OuterRef("pk"))


def sessions_public() -> QuerySet[LiveSession]:
    """Sessions anyone may see, buy a ticket to or tip in: their channel public and
    moderation not holding them (what `session_get_for_user` lets a non-owner see).
    Pages and API serializers draw from it alike."""
    return LiveSession.objects.filter(
        channel__status=PublicationStatus.PUBLISHED, channel__hidden_by_moderation=False
    ).filter(~Exists(held_sessions()))


def _open_sessions() -> QuerySet[LiveSession]:
    """Live and upcoming public sessions (an overrun session still shows six hours
    after its planned start)."""
    return (
        sessions_public()
        .filter(
            status__in=[LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE],
            scheduled_start__gte=timezone.now() - timedelta(hours=6),
        )
        .select_related("channel", "channel__creator")
    )


def _live_first(qs: QuerySet[LiveSession], limit: int) -> list[LiveSession]:
    # "live" sorts before "scheduled": sessions on air now come first.
    return list(qs.order_by("status", "scheduled_start", "id")[:limit])


def upcoming_sessions(*, channel: Channel | None = None, limit: int = 6) -> list[LiveSession]:
    """Live and upcoming sessions, of one channel or all (one query)."""
    qs = _open_sessions()
    if channel is not None:
        qs = qs.filter(channel=channel)
    return _live_first(qs, limit)


def catalogue_sessions(*, filters: CatalogueFilters, limit: int = 6) -> list[LiveSession]:
    """Live and upcoming sessions that fit the catalogue's filters (one query).

    Search, category, tag and language apply through the session's channel; "free"
    means open to every account and "paid" a ticket or a subscription. A price range
    is about tiers and courses, so it shows no sessions rather than guessing.
    """
    if filters.min_price is not None or filters.max_price is not None:
        return []
    qs = _open_sessions()
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(description__icontains=filters.q)
            | Q(channel__title__icontains=filters.q)
            | Q(channel__creator__display_name__icontains=filters.q)
        )
    if filters.category:
        qs = qs.filter(channel__category=filters.category)
    if filters.tag:
        qs = qs.filter(
            Exists(
                Channel.tags.through.objects.filter(
                    channel_id=OuterRef("channel_id"), tag=filters.tag
                )
            )
        )
    if filters.language:
        qs = qs.filter(channel__language=filters.language)
    if filters.price == "free":
        qs = qs.filter(access=LiveSession.Access.FREE)
    elif filters.price == "paid":
        qs = qs.exclude(access=LiveSession.Access.FREE)
    return _live_first(qs, limit)


def _learner_candidates(user: User, holdings: Holdings) -> QuerySet[LiveSession]:
    """Public sessions the learner has a claim on: a ticket, the session's course, a
    subscription to its channel, or a reminder they set."""
    reminded = SessionReminder.objects.filter(user=user, session=OuterRef("pk"))
    claim = (
        Q(pk__in=holdings.session_ids)
        | Q(course_id__in=holdings.course_ids)
        | Q(channel_id__in=holdings.channel_ids)
        | Exists(reminded)
    )
    return (
        sessions_public()
        .filter(claim)
        .select_related("channel", "channel__creator", "required_tier", "course")
    )


def _learner_may_join(session: LiveSession, holdings: Holdings) -> bool:
    """entitlement_check for a learner, answered from what `holdings` already read."""
    Access = LiveSession.Access
    if session.access == Access.FREE:
        return True
    if session.pk in holdings.session_ids or session.course_id in holdings.course_ids:
        return True
    if session.access == Access.SUBSCRIBERS:
        return holdings.covers_tier(
            channel_id=session.channel_id, required_tier=session.required_tier
        )
    return False


def learner_upcoming_sessions(
    *, user: User, holdings: Holdings, limit: int = 50
) -> list[LiveSession]:
    """Live and upcoming sessions this learner may join, soonest first (one query)."""
    qs = _learner_candidates(user, holdings).filter(
        status__in=[LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE],
        scheduled_start__gte=timezone.now() - timedelta(hours=6),
    )
    return [s for s in _live_first(qs, limit) if _learner_may_join(s, holdings)]


def learner_replays(*, user: User, holdings: Holdings, limit: int = 50) -> list[LiveSession]:
    """Ended sessions with a replay this learner may watch, latest first (one query)."""
    qs = _learner_candidates(user, holdings).filter(
        status=LiveSession.Status.ENDED,
        replay_status=LiveSession.Replay.READY,
        replay_hidden=False,
    )
    rows = qs.order_by(F("ended_at").desc(nulls_last=True), "-scheduled_start", "-id")[:limit]
    return [s for s in rows if _learner_may_join(s, holdings)]


def studio_sessions(*, creator: CreatorProfile) -> list[LiveSession]:
    """Every session of the creator's channels: live, then upcoming soonest first,
    then the ended and cancelled ones, latest first (one query)."""
    sessions = list(
        LiveSession.objects.filter(channel__creator=creator)
        .select_related("channel")
        .order_by("scheduled_start", "id")
    )
    live = [s for s in sessions if s.status == LiveSession.Status.LIVE]
    upcoming = [s for s in sessions if s.status == LiveSession.Status.SCHEDULED]
    past = [s for s in reversed(sessions) if not s.is_open]
    return live + upcoming + past


def session_get_for_editor(*, user: User, pk: int) -> LiveSession:
    """The user's own session (of any of their channels); someone else's is a 404.

    Loads channel and channel.creator, which the session services read."""
    sessions = LiveSession.objects.select_related(
        "channel", "channel__creator", "required_tier", "course"
    )
    return first_or_404(sessions.filter(pk=pk, channel__creator__user_id=user.pk))


# --- the room ------------------------------------------------------------------------


def room_event_frame(event: RoomEvent) -> dict:
    """The JSON a client receives for one event (docs/live-room-protocol.md)."""
    frame = {"type": event.kind, "seq": event.seq, "at": event.created_at.isoformat()}
    frame.update(event.payload)
    if event.held:
        frame["held"] = True  # only the host and moderators ever receive it
    if event.deleted_at is not None:
        frame["text"] = ""
        frame["deleted"] = True
    return frame


def room_events_after(
    *, session_id: int, after: int, limit: int = 500, include_held: bool = False
) -> list[dict]:
    """Events with seq > after, oldest first, at most `limit` of them; chat held by
    screening only with `include_held` (the host and moderators)."""
    events = RoomEvent.objects.filter(session_id=session_id, seq__gt=after).order_by("seq")
    if not include_held:
        events = events.filter(held=False)
    return [room_event_frame(e) for e in events[:limit]]


def room_viewers_entitled(*, session_id: int, user_ids: set[int]) -> set[int]:
    """Of a room's viewers, those an entitlement still lets watch (two queries: the
    session, then marketplace.selectors.entitled_among for all of them)."""
    session = LiveSession.objects.select_related("required_tier").filter(pk=session_id).first()
    if session is None:
        return set()
    return entitled_among(live_session=session, user_ids=user_ids)


def room_events_between(
    *, session_id: int, after: int, before: int
) -> list[tuple[int, dict, bool]]:
    """(seq, frame, held) of the events between two numbers, for the room hubs."""
    events = RoomEvent.objects.filter(
        session_id=session_id, seq__gt=after, seq__lt=before
    ).order_by("seq")
    return [(e.seq, room_event_frame(e), e.held) for e in events]


def room_can_see_held(*, session: LiveSession, user: Any) -> bool:
    """Whether `user` sees chat held by screening: the host and moderators."""
    if not user.is_authenticated:
        return False
    return (
        session.channel.creator.user_id == user.pk
        or user.is_staff
        or user.has_perm("livestream.moderate_room")
    )


def room_chat_history(
    *, session: LiveSession, before: int | None = None, limit: int = 50, include_held: bool = False
) -> list[dict[str, Any]]:
    """The latest chat, tips and system messages (newest last), for late joiners;
    chat held by screening only with `include_held` (the host and moderators)."""
    events = RoomEvent.objects.filter(
        session=session,
        kind__in=(RoomEvent.Kind.CHAT, RoomEvent.Kind.TIP, RoomEvent.Kind.SYSTEM),
    )
    if not include_held:
        events = events.filter(held=False)
    if before is not None:
        events = events.filter(seq__lt=before)
    latest = list(events.order_by("-seq")[:limit])
    return [room_event_frame(e) for e in reversed(latest)]


def question_board(*, session: LiveSession) -> QuerySet[RoomQuestion]:
    """The board: open questions first, answered next, dismissed last. Within each:
    pinned first, then paid priority questions (highest amount first), then by votes,
    then oldest first. The page script (static/js/live-room.js) sorts the same way."""
    Status = RoomQuestion.Status
    return (
        RoomQuestion.objects.filter(session=session)
        .select_related("author")
        .annotate(
            board_rank=Case(
                When(status=Status.OPEN, then=Value(0)),
                When(status=Status.ANSWERED, then=Value(1)),
                default=Value(2),
            ),
            paid_rank=Case(
                When(
                    priority__in=(RoomQuestion.Priority.HELD, RoomQuestion.Priority.PAID),
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


def question_payload(question: RoomQuestion) -> dict:
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


def session_audience(*, session_id: int) -> dict[str, int]:
    """Peak concurrent viewers and viewer-minutes of a session, from the per-minute
    presence the room hubs store (RoomPresenceMinute)."""
    totals = RoomPresenceMinute.objects.filter(session_id=session_id).aggregate(
        peak=Max("viewers"), viewer_minutes=Sum("viewers"), minutes=Count("pk")
    )
    return {key: value or 0 for key, value in totals.items()}


def question_get_for_report(*, session: LiveSession, pk: int) -> RoomQuestion:
    """A question on the room's board (404 if there is none or it was dismissed)."""
    question = (
        RoomQuestion.objects.filter(session=session, pk=pk)
        .exclude(status=RoomQuestion.Status.DISMISSED)
        .first()
    )
    if question is None:
        raise Http404
    return question


def chat_message_get_for_report(*, session: LiveSession, seq: int) -> RoomEvent:
    """A chat message of the room by its number (404 if there is none or it is gone)."""
    event = RoomEvent.objects.filter(
        session=session, seq=seq, kind=RoomEvent.Kind.CHAT, held=False, deleted_at__isnull=True
    ).first()
    if event is None:
        raise Http404
    return event
