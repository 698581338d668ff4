"""The host's console: pinning a chat message, staying off tip leaderboards, and the
secret URL of a channel's stream overlay."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from livestream.models import LiveSession, OverlayKey, RoomEvent, TipLeaderboardOptOut
from livestream.services.rooms import locked_session, room_event_append, room_role
from marketplace.models import Channel


@transaction.atomic
def chat_pin(*, session: LiveSession, user: User, seq: object) -> RoomEvent:
    """Pin a chat message above the room's chat (`seq` None: unpin). One message is
    pinned at a time; a late joiner sees it in `welcome` and on the page."""
    session = locked_session(session)
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can pin messages."))
    if seq is None:
        if session.pinned_seq is None:
            raise ValidationError(_("No message is pinned."))
        payload: dict[str, object] = {"target": None}
        session.pinned_seq = None
    else:
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ValidationError(_("Say which message to pin by its number."))
        target = RoomEvent.objects.filter(
            session=session, seq=seq, kind=RoomEvent.Kind.CHAT, held=False,
            deleted_at__isnull=True,
        ).first()  # fmt: skip
        if target is None:
            raise ValidationError(_("There is no such message to pin."))
        payload = {
            "target": seq,
            "user": target.payload.get("user"),
            "text": target.payload["text"],
        }
        session.pinned_seq = seq
    session.save(update_fields=["pinned_seq"])
    return room_event_append(
        session=session, kind=RoomEvent.Kind.MESSAGE_PINNED, author=user, payload=payload
    )


@transaction.atomic
def leaderboard_opt_out_set(*, user: User, hidden: bool) -> bool:
    """Keep the user off tip leaderboards (and "Anonymous" on overlays), or not."""
    if hidden:
        TipLeaderboardOptOut.objects.get_or_create(user=user)
    else:
        TipLeaderboardOptOut.objects.filter(user=user).delete()
    return hidden


@transaction.atomic
def overlay_key_rotate(*, user: User, channel: Channel) -> OverlayKey:
    """A new secret for the channel's overlay URL; the old URL stops working."""
    if channel.creator.user_id != user.pk:
        raise PermissionDenied(_("Only the channel's creator can manage its overlay."))
    key, _created = OverlayKey.objects.update_or_create(
        channel=channel, defaults={"token": secrets.token_urlsafe(32)}
    )
    return key


def overlay_key_get_or_create(*, user: User, channel: Channel) -> OverlayKey:
    key = OverlayKey.objects.filter(channel=channel).first()
    return key if key is not None else overlay_key_rotate(user=user, channel=channel)
