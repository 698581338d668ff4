"""Chat in a live room: posting (slow mode, subscribers-only), deleting, and chat the
screening classifier held (released to viewers only when the host, a room moderator
or a site moderator approves it, as Twitch's AutoMod does)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from livestream import screening
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
from marketplace.access import channel_subscriber_check
from moderation import services as moderation_services
from moderation.selectors import review_item_for


@transaction.atomic
def chat_post(*, session: LiveSession, user: User, text: object, ip: str = "") -> RoomEvent:
    """Post a chat message. `ip` (the sender's address, kept encrypted for
    PRIVACY_IP_RETENTION_DAYS for abuse reports) is stored, never broadcast."""
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
    # The host and moderators are not held: they are the ones who would approve.
    score = None if role.can_moderate else screening.chat_score(text)
    payload: dict[str, object] = {"user": public_user(user, role.label), "text": text}
    held = score is not None and score.hold
    if held and score is not None:
        payload["score"] = round(score.value, 2)
        payload["words"] = list(score.words)
    event = room_event_append(
        session=session, kind=RoomEvent.Kind.CHAT, author=user, payload=payload, held=held, ip=ip
    )
    if held and score is not None:
        moderation_services.content_hold(obj=event, score=score)
    engaged_send(user=user, session=session, kind="comment")
    return event


@transaction.atomic
def chat_message_set_visible(event: RoomEvent, visible: bool) -> None:
    """Moderation's switch for a chat message (registered in livestream.moderated), held
    by screening or reported from the room.

    Showing a held message releases it: viewers receive it as `message.released`
    (with its text) under a new number; showing a hidden one again puts it back in
    history. Hiding one deletes it from every screen.
    """
    session = locked_session(event.session)
    event = RoomEvent.objects.select_for_update().get(pk=event.pk)
    if visible:
        if not event.held:
            if event.deleted_at is not None:
                event.deleted_at = None
                event.save(update_fields=["deleted_at"])
            return
        event.held = False
        event.save(update_fields=["held"])
        released = {k: v for k, v in event.payload.items() if k not in ("score", "words")}
        room_event_append(
            session=session,
            kind=RoomEvent.Kind.MESSAGE_RELEASED,
            author=event.author,
            payload={**released, "target": event.seq},
        )
    elif event.deleted_at is None:
        _message_hide(session, event, by=None)


def held_message_decide(
    *, session: LiveSession, user: User, seq: object, approve: object, reason: object = ""
) -> None:
    """The host or a moderator approves (released to viewers) or rejects a chat
    message screening held, from the room; the decision is the review queue's, so it
    is audited and reaches the next training set like one made in the admin."""
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can decide held messages."))
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(approve, bool):
        raise ValidationError(_("Say which held message (its number) and approve true or false."))
    event = RoomEvent.objects.filter(
        session=session, seq=seq, kind=RoomEvent.Kind.CHAT, held=True, deleted_at__isnull=True
    ).first()
    item = review_item_for(event) if event is not None else None
    if item is None or not item.is_open:
        raise ValidationError(_("There is no such held message, or it was already decided."))
    if approve:
        moderation_services.review_approve(item=item, moderator=user)
    else:
        why = str(reason or "").strip() or _("Not allowed in this live room.")
        moderation_services.review_reject(item=item, moderator=user, reason=why)


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
    return _message_hide(session, target, by=user)


def _message_hide(session: LiveSession, event: RoomEvent, *, by: User | None) -> RoomEvent:
    """Mark a chat message deleted and tell every open screen (only the host and
    moderators when it was held: viewers never saw it, there is nothing to take back)."""
    event.deleted_at = timezone.now()
    event.save(update_fields=["deleted_at"])
    if session.pinned_seq == event.seq:  # a deleted message is no longer pinned
        session.pinned_seq = None
        session.save(update_fields=["pinned_seq"])
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.MESSAGE_DELETED,
        author=by,
        payload={"target": event.seq},
        held=event.held,
    )
