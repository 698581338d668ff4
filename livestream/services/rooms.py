"""Who is who in a live room, and the room's event log: the rules every room write
shares.

Room writes share one rule: the event is saved with the room's next sequence number
and broadcast only after the transaction commits (`room_events_append`). The number
comes from the room's counter row (RoomSequence), taken with one upsert as the last
step of the transaction, after every check, and held until commit. So:
- a chat post never locks the session's row, and the counter is held only for the
  INSERT and the COMMIT (not for the role queries, screening and so on);
- the numbers of one room are consecutive and commit in their order: when a reader
  can see number n, every number below n is committed too;
- a rolled-back write gives its numbers back (the counter's UPDATE rolls back with
  it), so a number is never skipped.
A reader that meets a gap (an event published ahead of one it has not received,
Redis having dropped or delayed one) reads the range from the database; what the
database returns for it is complete, and a number it does not return is one the
reader may not see (chat held by screening goes to the host and moderators only):
skip it. See docs/live-room-protocol.md, "Sequence numbers".

Services raise `ValidationError` for anything a person can fix (the consumer turns
it into an error frame) and `PermissionDenied` for what this user may not do.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.validators import CONTROL_CHARACTERS_MESSAGE, control_character_find
from livestream import broadcast, screening
from livestream.models import LiveSession, RoomEvent, RoomSanction
from marketplace.access import entitlement_check
from moderation.models import Sanction
from moderation.selectors import user_sanction

# --- who is who in a room ---------------------------------------------------------


@dataclass(frozen=True)
class RoomRole:
    """What one user may do in one room, decided once per action."""

    user_id: int
    can_watch: bool
    is_host: bool
    is_moderator: bool
    banned: bool
    muted_until: datetime | None

    @property
    def can_moderate(self) -> bool:
        return self.is_host or self.is_moderator

    @property
    def label(self) -> str:
        return "host" if self.is_host else "moderator" if self.is_moderator else "viewer"


def _active_sanctions(*, session: LiveSession, user: User) -> dict[str, RoomSanction | Sanction]:
    """The user's sanctions in force in this room, by kind (the longest of each):
    the host's own (RoomSanction) and the moderators' site-wide or channel ones
    (moderation.Sanction)."""
    active: dict[str, RoomSanction | Sanction] = {}
    for sanction in (
        RoomSanction.objects.filter(session=session, user=user, lifted_at__isnull=True)
        .exclude(expires_at__lte=timezone.now())
        .order_by("expires_at")  # NULL (until lifted) sorts last: it wins
    ):
        active[sanction.kind] = sanction
    site = user_sanction(user=user, channel=session.channel)
    if site is not None:
        held = active.get(site.kind)
        forever = datetime.max.replace(tzinfo=UTC)
        if held is None or (site.expires_at or forever) > (held.expires_at or forever):
            active[site.kind] = site
    return active


def _banned_by_moderators(*, session: LiveSession, user: User) -> bool:
    return user_sanction(user=user, channel=session.channel, kind="ban") is not None


def viewer_may_watch(*, session: LiveSession, user: User) -> bool:
    """room_role(...).can_watch, in the fewest queries (asked for every video
    segment): entitlement first; moderator permissions only if that fails."""
    if not user.is_authenticated:
        return False
    if (
        RoomSanction.objects.filter(
            session=session, user=user, kind=RoomSanction.Kind.BAN, lifted_at__isnull=True
        )
        .exclude(expires_at__lte=timezone.now())
        .exists()
    ) or _banned_by_moderators(session=session, user=user):
        return user.is_staff or user.has_perm("livestream.moderate_room")
    return (
        entitlement_check(user=user, live_session=session)
        or user.is_staff
        or user.has_perm("livestream.moderate_room")
    )


def room_role(*, session: LiveSession, user: User) -> RoomRole:
    """Caller passes a session with channel and channel.creator loaded."""
    if not user.is_authenticated:
        return RoomRole(0, False, False, False, False, None)
    is_host = session.channel.creator.user_id == user.pk
    is_moderator = not is_host and (user.is_staff or user.has_perm("livestream.moderate_room"))
    if is_host or is_moderator:
        return RoomRole(user.pk, True, is_host, is_moderator, False, None)
    sanctions = _active_sanctions(session=session, user=user)
    banned = RoomSanction.Kind.BAN in sanctions
    mute = sanctions.get(RoomSanction.Kind.MUTE)
    muted_until = None
    if mute is not None:
        muted_until = mute.expires_at or datetime.max.replace(tzinfo=UTC)
    return RoomRole(
        user_id=user.pk,
        can_watch=not banned and entitlement_check(user=user, live_session=session),
        is_host=False,
        is_moderator=False,
        banned=banned,
        muted_until=muted_until,
    )


def locked_session(session: LiveSession) -> LiveSession:
    """The session again, its row locked until commit (channel and creator loaded):
    for host actions that change the session. Posting in the room does not lock it
    (`fresh_session`)."""
    return (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("channel", "channel__creator")
        .get(pk=session.pk)
    )


def fresh_session(session: LiveSession) -> LiveSession:
    """The session as committed now (channel and creator loaded), without a lock: the
    checks of a post read it; `room_events_append(open_only=True)` checks again,
    under the counter, that the room is still open."""
    return LiveSession.objects.select_related("channel", "channel__creator").get(pk=session.pk)


# --- the room's event log ----------------------------------------------------------


@dataclass(frozen=True)
class NewEvent:
    """One room event to save (`room_events_append`)."""

    kind: str
    author: User | None
    payload: dict[str, Any]
    held: bool = False
    ip: str = ""


# RoomSequence's table; a missing row is created at 0 + count.
_SEQUENCE_TAKE = """
    INSERT INTO livestream_roomsequence AS counter (session_id, last_seq) VALUES (%s, %s)
    ON CONFLICT (session_id) DO UPDATE SET last_seq = counter.last_seq + EXCLUDED.last_seq
    RETURNING last_seq
"""


def _sequence_take(session_id: int, count: int) -> int:
    """Take `count` consecutive numbers from the room's counter; the last of them.

    The counter's row stays locked until the caller's transaction ends, so the next
    writer's numbers follow these and commit after them; a rollback gives them back.
    """
    with connection.cursor() as cursor:
        cursor.execute(_SEQUENCE_TAKE, [session_id, count])
        return cursor.fetchone()[0]


def room_events_append(
    *, session: LiveSession, events: list[NewEvent], open_only: bool = False
) -> list[RoomEvent]:
    """Save room events under the room's next sequence numbers, in order; broadcast
    each on commit (`held`: to the host and moderators only).

    Call it last in the transaction: from here to commit the room's counter is held
    and every other writer of the room waits. `open_only`: refuse if the session
    ended or was cancelled meanwhile (read after taking the counter, so a post
    cannot slip in after "session.ended").
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("room_events_append must run inside a transaction")
    if not events:
        return []
    last = _sequence_take(session.pk, len(events))
    if open_only:
        status = LiveSession.objects.filter(pk=session.pk).values_list("status", flat=True)
        if next(iter(status), None) not in (LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE):
            raise ValidationError(_("This session has ended; the room is read-only."))
    first = last - len(events) + 1
    saved = RoomEvent.objects.bulk_create(
        RoomEvent(
            session_id=session.pk,
            seq=first + i,
            kind=new.kind,
            author=new.author,
            payload=new.payload,
            held=new.held,
            ip=new.ip,
        )
        for i, new in enumerate(events)
    )
    for event in saved:
        event.session = session
    transaction.on_commit(lambda: broadcast.room_events_publish(saved))
    return saved


def room_event_append(
    *,
    session: LiveSession,
    kind: str,
    author: User | None,
    payload: dict[str, Any],
    held: bool = False,
    ip: str = "",
    open_only: bool = False,
) -> RoomEvent:
    """One event (`room_events_append`): call it last in the transaction."""
    return room_events_append(
        session=session,
        events=[NewEvent(kind=kind, author=author, payload=payload, held=held, ip=ip)],
        open_only=open_only,
    )[0]


def check_can_post(*, session: LiveSession, user: User, role: RoomRole) -> None:
    if not role.can_watch:
        raise PermissionDenied(_("You no longer have access to this session."))
    if not session.is_open:
        raise ValidationError(_("This session has ended; the room is read-only."))
    if role.muted_until is not None:
        if role.muted_until.year == datetime.max.year:
            raise ValidationError(_("You are muted in this room."))
        raise ValidationError(
            _("You are muted in this room until %(time)s UTC.")
            % {"time": role.muted_until.strftime("%Y-%m-%d %H:%M")}
        )


def clean_text(text: object, *, limit: int, what: str) -> str:
    """`text` with its runs of white space made one space, if it is text, fits and
    passes the room's screen; else a ValidationError that says why."""
    if not isinstance(text, str):
        raise ValidationError(_("The %(what)s must be text.") % {"what": what})
    if control_character_find(text):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("The %(what)s is empty.") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            _("Keep the %(what)s to %(limit)d characters or fewer.")
            % {"what": what, "limit": limit}
        )
    refusal = screening.text_screen(text)
    if refusal:
        raise ValidationError(refusal)
    return text


def system_post(session: LiveSession, by: User | None, event: str, **extra: Any) -> RoomEvent:
    """A system line in the room (a session started, a user muted...)."""
    return room_event_append(
        session=session, kind=RoomEvent.Kind.SYSTEM, author=by, payload={"event": event, **extra}
    )


def engaged_send(*, user: User, session: LiveSession, kind: str) -> None:
    """Chatting or asking in a room tells the recommender the user engages with the
    session: once per user, session and kind a day (chat is chatty), after commit
    (a listener never fails the room)."""
    events.send_on_commit(
        events.Engaged.about(user_id=user.pk, kind=kind, obj=session, once_per=86400)
    )
