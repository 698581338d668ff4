"""Chat in a live room: posting (slow mode, subscribers-only) and deleting."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from livestream.models import LiveSession, RoomEvent
from livestream.selectors import public_user
from livestream.services.rooms import (
    check_can_post,
    clean_text,
    engaged_send,
    locked_session,
    room_event_append,
    room_role,
)
from marketplace.selectors import channel_subscriber_check


@transaction.atomic
def chat_post(*, session: LiveSession, user: User, text: object) -> RoomEvent:
    session = locked_session(session)
    role = room_role(session=session, user=user)
    check_can_post(session=session, user=user, role=role)
    text = clean_text(text, limit=settings.LIVESTREAM_MAX_CHAT_CHARS, what=_("message"))
    if not role.can_moderate:
        if session.subscribers_only_chat and not channel_subscriber_check(
            user=user, channel=session.channel
        ):
            raise ValidationError(_("Chat is open to subscribers of this channel only."))
        if session.slow_mode_seconds:
            since = timezone.now() - timedelta(seconds=session.slow_mode_seconds)
            if RoomEvent.objects.filter(
                session=session, author=user, kind=RoomEvent.Kind.CHAT, created_at__gt=since
            ).exists():
                raise ValidationError(
                    _("Slow mode is on: one message every %(n)d seconds.")
                    % {"n": session.slow_mode_seconds}
                )
    event = room_event_append(
        session=session,
        kind=RoomEvent.Kind.CHAT,
        author=user,
        payload={"user": public_user(user, role.label), "text": text},
    )
    engaged_send(user=user, session=session, kind="comment")
    return event


@transaction.atomic
def message_delete(*, session: LiveSession, user: User, seq: object) -> RoomEvent:
    """Hide a chat message from history and from every open screen."""
    session = locked_session(session)
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can delete messages."))
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValidationError(_("Say which message to delete by its number."))
    target = RoomEvent.objects.filter(
        session=session, seq=seq, kind=RoomEvent.Kind.CHAT, deleted_at__isnull=True
    ).first()
    if target is None:
        raise ValidationError(_("There is no such message, or it is already deleted."))
    target.deleted_at = timezone.now()
    target.save(update_fields=["deleted_at"])
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.MESSAGE_DELETED,
        author=user,
        payload={"target": seq},
    )


@transaction.atomic
def chat_message_set_visible(event: RoomEvent, visible: bool) -> None:
    """Moderation's switch for a reported chat message: hidden, it reads as deleted
    in history and on every open screen; shown again, history shows it."""
    session = locked_session(event.session)
    event = RoomEvent.objects.select_for_update().get(pk=event.pk)
    if visible:
        if event.deleted_at is not None:
            event.deleted_at = None
            event.save(update_fields=["deleted_at"])
        return
    if event.deleted_at is not None:
        return
    event.deleted_at = timezone.now()
    event.save(update_fields=["deleted_at"])
    room_event_append(
        session=session,
        kind=RoomEvent.Kind.MESSAGE_DELETED,
        author=None,
        payload={"target": event.seq},
    )
