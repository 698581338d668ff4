"""What the host and moderators do to a room: mute, ban, lift, room settings."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from livestream import broadcast
from livestream.models import LiveSession, RoomEvent, RoomSanction
from livestream.selectors import public_user, room_settings_payload
from livestream.services.rooms import locked_session, room_event_append, room_role, system_post


def _sanction_target(*, session: LiveSession, by: User, user_id: object) -> User:
    if not room_role(session=session, user=by).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can do that."))
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ValidationError(_("Say which user by their number."))
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise ValidationError(_("There is no such user."))
    if room_role(session=session, user=target).can_moderate:
        raise ValidationError(_("The host and moderators cannot be muted or banned."))
    return target


@transaction.atomic
def user_mute(
    *, session: LiveSession, by: User, user_id: object, minutes: object, reason: str = ""
) -> RoomSanction:
    session = locked_session(session)
    target = _sanction_target(session=session, by=by, user_id=user_id)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 10080:
        raise ValidationError(_("Mute for 1 to 10080 minutes (a week)."))
    sanction = RoomSanction.objects.create(
        session=session,
        user=target,
        kind=RoomSanction.Kind.MUTE,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        reason=str(reason)[:200],
        created_by=by,
    )
    system_post(session, by, "user.muted", user=public_user(target), minutes=minutes)
    return sanction


@transaction.atomic
def user_ban(*, session: LiveSession, by: User, user_id: object, reason: str = "") -> RoomSanction:
    """Ban from this room: the user's open sockets close within a second or two."""
    session = locked_session(session)
    target = _sanction_target(session=session, by=by, user_id=user_id)
    sanction = RoomSanction.objects.create(
        session=session,
        user=target,
        kind=RoomSanction.Kind.BAN,
        reason=str(reason)[:200],
        created_by=by,
    )
    system_post(session, by, "user.banned", user=public_user(target))
    transaction.on_commit(
        lambda: broadcast.room_control_publish(
            session_id=session.pk, action="kick", user_id=target.pk
        )
    )
    return sanction


@transaction.atomic
def sanction_lift(*, session: LiveSession, by: User, user_id: object, kind: str) -> int:
    session = locked_session(session)
    target = _sanction_target(session=session, by=by, user_id=user_id)
    lifted = RoomSanction.objects.filter(
        session=session, user=target, kind=kind, lifted_at__isnull=True
    ).update(lifted_at=timezone.now())
    if lifted:
        event = "user.unbanned" if kind == RoomSanction.Kind.BAN else "user.unmuted"
        system_post(session, by, event, user=public_user(target))
    return lifted


@transaction.atomic
def room_settings_update(
    *,
    session: LiveSession,
    by: User,
    slow_mode_seconds: object = None,
    subscribers_only: object = None,
) -> LiveSession:
    session = locked_session(session)
    if not room_role(session=session, user=by).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can change room settings."))
    fields = []
    if slow_mode_seconds is not None:
        if (
            not isinstance(slow_mode_seconds, int)
            or isinstance(slow_mode_seconds, bool)
            or not 0 <= slow_mode_seconds <= 3600
        ):
            raise ValidationError(_("Slow mode takes 0 (off) to 3600 seconds."))
        session.slow_mode_seconds = slow_mode_seconds
        fields.append("slow_mode_seconds")
    if subscribers_only is not None:
        if not isinstance(subscribers_only, bool):
            raise ValidationError(_("Subscribers-only chat is either true or false."))
        session.subscribers_only_chat = subscribers_only
        fields.append("subscribers_only_chat")
    if not fields:
        raise ValidationError(_("Nothing to change."))
    session.save(update_fields=fields)
    room_event_append(
        session=session,
        kind=RoomEvent.Kind.SETTINGS,
        author=by,
        payload=room_settings_payload(session),
    )
    return session
