"""Who is who in a live room, and the room's event log: the rules every room write
shares.

Room writes share one rule: the event is saved with the room's next sequence number
(taken under the session row's lock) and broadcast only after the transaction
commits (`room_event_append`). A rolled-back write never reaches a viewer, and the
numbers a room hands out have no gaps.

Services raise `ValidationError` for anything a person can fix (the consumer turns
it into an error frame) and `PermissionDenied` for what this user may not do.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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
    """The session again, its row locked until commit (channel and creator loaded)."""
    return (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("channel", "channel__creator")
        .get(pk=session.pk)
    )


# --- the room's event log ----------------------------------------------------------


def room_event_append(
    *,
    session: LiveSession,
    kind: str,
    author: User | None,
    payload: dict[str, Any],
    held: bool = False,
    ip: str = "",
) -> RoomEvent:
    """Save one room event under the next sequence number; broadcast it on commit
    (`held`: to the host and moderators only).

    Caller holds the session row's lock (`locked_session`) until commit, so the
    events of one room take consecutive numbers and commit in that order.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("room_event_append must run inside a transaction")
    session.last_seq += 1
    seq = session.last_seq
    LiveSession.objects.filter(pk=session.pk).update(last_seq=seq)
    event = RoomEvent.objects.create(
        session_id=session.pk,
        seq=seq,
        kind=kind,
        author=author,
        payload=payload,
        held=held,
        ip=ip,
    )
    transaction.on_commit(lambda: broadcast.room_event_publish(event))
    return event


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
