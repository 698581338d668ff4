"""Video ingest: stream keys and the decisions behind nginx-rtmp's callbacks.

nginx (deploy/nginx-rtmp.conf.template) asks Django before it accepts a stream
(`on_publish`), tells it when the stream stops (`on_publish_done`) and asks again
every few seconds while it runs (`on_update`): a key rotated meanwhile stops the
stream at the next update. The views in video_views.py only check that the caller
is the ingest server and call these services.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from livestream import services
from livestream.models import LiveSession, StreamKey
from marketplace.models import CreatorProfile, PublicationStatus


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def stream_key_rotate(*, creator: CreatorProfile) -> str:
    """Make a new key (192 random bits) and return it: the only time it is shown.

    The old key stops working at once; a stream that used it is cut at nginx's next
    update call (VIDEO_UPDATE_SECONDS).
    """
    key = secrets.token_urlsafe(24)
    StreamKey.objects.update_or_create(creator=creator, defaults={"key_hash": _hash(key)})
    return key


def _session_for_key(*, name: str, key: str) -> LiveSession:
    """The session named by the stream, if `key` is its creator's current key."""
    if not name.isdigit() or not key:
        raise PermissionDenied("unknown stream")
    session = (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("channel__creator")
        .filter(pk=int(name))
        .first()
    )
    stored = (
        StreamKey.objects.filter(creator_id=session.channel.creator_id).first() if session else None
    )
    if stored is None or not hmac.compare_digest(stored.key_hash, _hash(key)):
        raise PermissionDenied("wrong key")
    return session


@transaction.atomic
def publish_start(*, name: str, key: str) -> LiveSession:
    """nginx's on_publish: accept the stream (the session goes live) or refuse it.

    Refused: an unknown session, a wrong or rotated key, another creator's key, a
    session that is not scheduled or live, a second publisher on a live session.
    """
    session = _session_for_key(name=name, key=key)
    if session.status not in (LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE):
        raise PermissionDenied("session not open")
    if session.publishing:
        raise PermissionDenied("already publishing")
    session.publishing = True
    session.publish_stopped_at = None
    session.save(update_fields=["publishing", "publish_stopped_at"])
    if session.status == LiveSession.Status.SCHEDULED:
        services.session_start(session=session, user=None)
    return session


@transaction.atomic
def publish_stop(*, name: str) -> None:
    """nginx's on_publish_done: the encoder stopped. The session ends unless it comes
    back within VIDEO_RECONNECT_GRACE_SECONDS (a dropped connection, an OBS restart).
    """
    from livestream.tasks import session_end_if_abandoned_task

    if not name.isdigit():
        return
    session = LiveSession.objects.select_for_update().filter(pk=int(name)).first()
    if session is None or not session.publishing:
        return
    session.publishing = False
    session.publish_stopped_at = timezone.now()
    session.save(update_fields=["publishing", "publish_stopped_at"])
    transaction.on_commit(
        lambda: session_end_if_abandoned_task.apply_async(
            args=[session.pk], countdown=settings.VIDEO_RECONNECT_GRACE_SECONDS
        )
    )


def publish_still_allowed(*, name: str, key: str) -> bool:
    """nginx's on_update: False stops the stream (the key was rotated, the session
    ended or was cancelled)."""
    try:
        with transaction.atomic():
            session = _session_for_key(name=name, key=key)
    except PermissionDenied:
        return False
    return session.status == LiveSession.Status.LIVE


@transaction.atomic
def session_end_if_abandoned(*, session_id: int) -> bool:
    """End a live session whose encoder stopped more than the grace period ago and
    has not come back. Safe to run twice. Returns whether it ended the session."""
    session = LiveSession.objects.select_for_update().filter(pk=session_id).first()
    if (
        session is None
        or session.status != LiveSession.Status.LIVE
        or session.publishing
        or session.publish_stopped_at is None
    ):
        return False
    grace = timedelta(seconds=settings.VIDEO_RECONNECT_GRACE_SECONDS)
    if timezone.now() - session.publish_stopped_at < grace:
        return False
    services.session_end(session=session, user=None)
    return True


def playback_allowed(*, session_id: int, user) -> bool:
    """May this user fetch the session's video? Who may watch the room, while the
    session is live or ended (the recording), not when cancelled."""
    session = (
        LiveSession.objects.select_related("channel__creator", "channel")
        .filter(pk=session_id)
        .first()
    )
    if session is None or session.status == LiveSession.Status.CANCELLED:
        return False
    if session.channel.status != PublicationStatus.PUBLISHED and (
        not user.is_authenticated or session.channel.creator.user_id != user.pk
    ):
        return False
    return services.room_role(session=session, user=user).can_watch
