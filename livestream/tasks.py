"""Background work of the live rooms: telling people a session has started, ending
abandoned broadcasts, building replays.

The services queue these by name (livestream.jobs): the tasks import the services,
never the other way round."""

import subprocess

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from accounts.models import NotificationKind
from accounts.services.notify import email_send_as
from livestream import personal_data, recordings, replay_storage, services, video
from livestream.emails import live_now_email
from livestream.models import LiveSession, SessionReminder


@shared_task(autoretry_for=(OperationalError,), retry_backoff=30, max_retries=5)
def session_reminders_send_task(session_id: int) -> int:
    """Email everyone who asked to be reminded that the session is live now.

    Enqueued on commit by `session_start`. Safe to run twice, or twice at once:
    each reminder is claimed by one conditional UPDATE (notified_at IS NULL) and
    its email queued in the same transaction, on commit; a second run finds
    nothing left to claim. Returns how many emails were queued.
    """
    session = LiveSession.objects.select_related("channel").filter(pk=session_id).first()
    if session is None or session.status != LiveSession.Status.LIVE:
        # Ended (or never started) before we got here: "it is live" would be wrong.
        return 0
    pending = SessionReminder.objects.filter(
        session_id=session_id, notified_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(_reminder_notify(reminder_id=pk, session=session) for pk in pending.order_by("pk"))


@transaction.atomic
def _reminder_notify(*, reminder_id: int, session: LiveSession) -> bool:
    """Claim one reminder and queue its email; False if another run claimed it.

    A claim that rolls back queues nothing and leaves the reminder for a retry;
    once committed, the email leaves through accounts' send_email_task, which
    retries SMTP failures itself.
    """
    claimed = SessionReminder.objects.filter(pk=reminder_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    user = SessionReminder.objects.select_related("user").get(pk=reminder_id).user
    email_send_as(
        user=user,
        kind=NotificationKind.REMINDER,
        message=live_now_email(session=session, user=user, reminder=True),
    )
    return True


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def session_end_if_abandoned_task(session_id: int) -> bool:
    """Enqueued when an encoder stops, to run after the reconnect grace period."""
    return video.session_end_if_abandoned(session_id=session_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def replay_build_task(session_id: int) -> bool:
    """Turn an ended session's recordings into its replay (ffmpeg, no re-encoding)."""
    return video.replay_build(session_id=session_id)


@shared_task(
    autoretry_for=(OperationalError, *replay_storage.TRANSIENT_ERRORS),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=48,  # about a day of an unreachable bucket; the files stay on disk
    acks_late=True,  # a worker killed mid-upload: the message comes back, the run resumes
)
def replay_upload_task(session_id: int) -> bool:
    """Move a built replay to the bucket (livestream.video.replay_upload)."""
    return video.replay_upload(session_id=session_id)


@shared_task(
    autoretry_for=(
        OperationalError,
        subprocess.SubprocessError,
        *replay_storage.TRANSIENT_ERRORS,
    ),  # fmt: skip
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=48,
    acks_late=True,
)
def recording_upload_task(recording_id: int) -> bool:
    """Move a recording (as MP4) to the bucket (livestream.recordings.recording_upload)."""
    return recordings.recording_upload(recording_id=recording_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def session_audience_notify_task(session_id: int) -> int:
    """Enqueued on commit when a session goes live: notify who may watch it."""
    return services.session_audience_notify(session_id=session_id)


@shared_task
def chat_ips_clear_task() -> int:
    """Daily: chat senders' addresses older than PRIVACY_IP_RETENTION_DAYS go."""
    return personal_data.chat_ips_clear()
