"""A session's life, from the creator's pages and the video ingest: schedule, edit,
go live, end, cancel; reminders and telling the audience it is live.

Background work (reminder emails, the audience notice, the replay) is queued after
commit through livestream.jobs: the tasks call these services, so these services
name the tasks rather than import them.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import NotificationKind, User
from accounts.services.notify import notify
from core import events
from core.pictures import picture_replace
from livestream import broadcast, jobs
from livestream.emails import live_now_email
from livestream.events import SessionEnded, SessionScheduled, SessionStarted
from livestream.models import LiveSession, RoomQuestion, SessionReminder
from livestream.services.questions import priority_settle, question_changed
from livestream.services.rooms import locked_session, system_post
from marketplace.access import entitlement_check
from marketplace.events import PriceChanged
from marketplace.models import Channel, Course, Entitlement, SubscriptionTier
from moderation.services import creator_content_screen
from payments import services as payment_services
from payments.models import Purchase

Status = LiveSession.Status


def _check_host(session: LiveSession, user: User) -> None:
    if session.channel.creator.user_id != user.pk:
        raise PermissionDenied(_("Only the channel's creator can run its sessions."))


def _validate_session_fields(
    *,
    channel: Channel,
    course: Course | None,
    access: str,
    required_tier: SubscriptionTier | None,
    ticket_price_amount: int,
    ticket_currency: str,
) -> None:
    if access not in LiveSession.Access.values:
        raise ValidationError({"access": _("Choose who may watch.")})
    if course is not None and course.channel_id != channel.pk:
        raise ValidationError({"course": _("Choose a course of this channel.")})
    if required_tier is not None and required_tier.channel_id != channel.pk:
        raise ValidationError({"required_tier": _("Choose a tier of this channel.")})
    if access == LiveSession.Access.TICKET:
        if ticket_currency not in settings.MARKETPLACE_CURRENCIES:
            raise ValidationError({"ticket_currency": _("Choose a supported currency.")})
        if not 1 <= ticket_price_amount <= settings.MARKETPLACE_MAX_PRICE_MINOR:
            raise ValidationError({"ticket_price_amount": _("A ticket needs a price.")})


@transaction.atomic
def session_schedule(
    *,
    user: User,
    channel: Channel,
    title: str,
    scheduled_start: datetime,
    description: str = "",
    duration_minutes: int = 60,
    access: str = LiveSession.Access.FREE,
    required_tier: SubscriptionTier | None = None,
    ticket_price_amount: int = 0,
    ticket_currency: str = "",
    course: Course | None = None,
    refund_hours: int | None = None,
) -> LiveSession:
    if channel.creator.user_id != user.pk:
        raise PermissionDenied(_("Only the channel's creator can schedule its sessions."))
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Give the session a title.")})
    if scheduled_start < timezone.now() - timedelta(minutes=5):
        raise ValidationError({"scheduled_start": _("Choose a start time in the future.")})
    _validate_session_fields(
        channel=channel,
        course=course,
        access=access,
        required_tier=required_tier,
        ticket_price_amount=ticket_price_amount,
        ticket_currency=ticket_currency,
    )
    session = LiveSession(
        channel=channel,
        course=course,
        title=title,
        description=description.strip(),
        scheduled_start=scheduled_start,
        duration_minutes=duration_minutes,
        access=access,
        required_tier=required_tier if access == LiveSession.Access.SUBSCRIBERS else None,
        ticket_price_amount=ticket_price_amount if access == LiveSession.Access.TICKET else 0,
        ticket_currency=ticket_currency if access == LiveSession.Access.TICKET else "",
        refund_hours=refund_hours,
    )
    session.full_clean(exclude=["channel", "course", "required_tier"])
    session.save()
    _moderation_screen(session)
    events.send_on_commit(SessionScheduled(session_id=session.pk, channel_id=channel.pk))
    return session


def _moderation_screen(session: LiveSession) -> None:
    """Moderation may refuse (rolls back), hold for review, or show the session."""

    creator_content_screen(obj=session, creator_user=session.channel.creator.user)


SESSION_EDITABLE = (
    "title",
    "description",
    "scheduled_start",
    "duration_minutes",
    "access",
    "required_tier",
    "ticket_price_amount",
    "ticket_currency",
    "course",
    "refund_hours",
)


@transaction.atomic
def session_update(*, session: LiveSession, user: User, **changes: Any) -> LiveSession:
    session = locked_session(session)
    _check_host(session, user)
    unknown = set(changes) - set(SESSION_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not session.is_open:
        raise ValidationError(_("An ended or cancelled session cannot be edited."))
    if session.status == Status.LIVE and {"access", "ticket_price_amount"} & set(changes):
        if (
            changes.get("access", session.access),
            changes.get("ticket_price_amount", session.ticket_price_amount),
        ) != (session.access, session.ticket_price_amount):
            raise ValidationError(_("Access and price cannot change while the session is live."))
    old_ticket = (session.access, session.ticket_price_amount, session.ticket_currency)
    for name, value in changes.items():
        setattr(session, name, value)
    session.title = " ".join(session.title.split())
    if not session.title:
        raise ValidationError({"title": _("Give the session a title.")})
    _validate_session_fields(
        channel=session.channel,
        course=session.course,
        access=session.access,
        required_tier=session.required_tier,
        ticket_price_amount=session.ticket_price_amount,
        ticket_currency=session.ticket_currency,
    )
    session.full_clean(exclude=["channel", "course", "required_tier"])
    session.save(update_fields=list(changes))
    if {"title", "description"} & set(changes):
        _moderation_screen(session)
    _ticket_price_announce(session, old_ticket)
    return session


def _ticket_price_announce(session: LiveSession, old: tuple[str, int, str]) -> None:
    """A ticketed session's new price reaches the channel's followers (community).
    Holders already paid: their ticket stands whatever the price."""
    if session.access != LiveSession.Access.TICKET:
        return
    old_amount = old[1] if old[0] == LiveSession.Access.TICKET else 0
    if (old_amount, old[2]) == (session.ticket_price_amount, session.ticket_currency):
        return
    events.send_on_commit(
        PriceChanged(
            kind="session",
            object_id=session.pk,
            channel_id=session.channel_id,
            old_amount=old_amount,
            new_amount=session.ticket_price_amount,
            currency=session.ticket_currency,
        )
    )


# Where a session may move: from, to, the time stamped, the room's system line, and
# what refuses a move from anywhere else.
_MOVES = {
    "start": (
        Status.SCHEDULED,
        Status.LIVE,
        "started_at",
        "session.started",
        gettext_lazy("Only a scheduled session can go live."),
    ),
    "end": (
        Status.LIVE,
        Status.ENDED,
        "ended_at",
        "session.ended",
        gettext_lazy("Only a live session can end; cancel a scheduled one instead."),
    ),
}


def _status_move(session: LiveSession, user: User | None, move: str) -> tuple[LiveSession, bool]:
    """Make `move` (see _MOVES) under the session's row lock: the host's own session
    only, unless `user` is None (the system: video ingest). Already there: nothing
    moves (False)."""
    source, to, stamp, event, refusal = _MOVES[move]
    session = locked_session(session)
    if user is not None:
        _check_host(session, user)
    if session.status == to:
        return session, False
    if session.status != source:
        raise ValidationError(str(refusal))
    session.status = to
    setattr(session, stamp, timezone.now())
    session.save(update_fields=["status", stamp])
    system_post(session, user, event)
    return session, True


@transaction.atomic
def session_start(*, session: LiveSession, user: User | None) -> LiveSession:
    """Go live (the host's button now, the RTMP ingest later). Starting twice is a no-op.

    `user` None means the system (video ingest) started it.
    """
    session, moved = _status_move(session, user, "start")
    if moved:
        jobs.enqueue_on_commit("session_reminders_send_task", session.pk)
        jobs.enqueue_on_commit("session_audience_notify_task", session.pk)
        events.send_on_commit(SessionStarted(session_id=session.pk, channel_id=session.channel_id))
    return session


@transaction.atomic
def session_end(*, session: LiveSession, user: User | None) -> LiveSession:
    """End the broadcast; the room stays readable. Ending twice is a no-op."""
    session, moved = _status_move(session, user, "end")
    if not moved:
        return session
    unanswered = (
        RoomQuestion.objects.select_for_update()
        .select_related("author")
        .filter(session=session, priority=RoomQuestion.Priority.HELD)
        .exclude(status=RoomQuestion.Status.ANSWERED)
        .order_by("pk")
    )
    for question in unanswered:
        priority_settle(session, question, answered=False)
        question_changed(session, question, user)
    if session.recordings.exists():
        jobs.enqueue_on_commit("replay_build_task", session.pk)
    events.send_on_commit(SessionEnded(session_id=session.pk, channel_id=session.channel_id))
    return session


@transaction.atomic
def session_cancel(*, session: LiveSession, user: User) -> LiveSession:
    """Call off a session that has not started. Ticket holders are refunded in full."""
    session = locked_session(session)
    _check_host(session, user)
    if session.status == Status.CANCELLED:
        return session
    if session.status != Status.SCHEDULED:
        raise ValidationError(_("Only a session that has not started can be cancelled."))
    session.status = Status.CANCELLED
    session.save(update_fields=["status"])
    for purchase in Purchase.objects.filter(
        live_session=session,
        status__in=(Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED),
    ).order_by("pk"):
        payment_services.purchase_refund(
            purchase=purchase,
            amount=purchase.refundable_amount,
            refunded_by=user,
            expected_refunded=purchase.refunded_amount,
        )
    system_post(session, user, "session.cancelled")
    transaction.on_commit(
        lambda: broadcast.room_control_publish(session_id=session.pk, action="close")
    )
    return session


@transaction.atomic
def reminder_set(*, session: LiveSession, user: User, on: bool) -> bool:
    """Ask (or stop asking) to be told when the session goes live. Returns the new state."""
    if not on:
        SessionReminder.objects.filter(session=session, user=user).delete()
        return False
    if not session.is_open:
        raise ValidationError(_("This session is over; there is nothing to remind you of."))
    SessionReminder.objects.get_or_create(session=session, user=user)
    return True


def session_audience_notify(*, session_id: int) -> int:
    """Tell everyone who may watch a session that just went live: subscribers of its
    channel and ticket holders get an in-app notification and an email; people with
    a reminder get the notification (their reminder email is sent separately).

    Safe to run twice: each person is notified once per session (Notification key).
    Returns how many people were newly notified.
    """
    session = (
        LiveSession.objects.select_related("channel__creator", "required_tier", "course")
        .filter(pk=session_id, status=Status.LIVE)
        .first()
    )
    if session is None:
        return 0
    now = timezone.now()
    holders = (
        Entitlement.objects.filter(revoked_at__isnull=True, starts_at__lte=now)
        .exclude(ends_at__lte=now)
        .filter(
            Q(tier__channel_id=session.channel_id)
            | Q(live_session=session)
            | (Q(course_id=session.course_id) if session.course_id else Q(pk__in=[]))
        )
        .values_list("user_id", flat=True)
    )
    reminded = set(
        SessionReminder.objects.filter(session=session).values_list("user_id", flat=True)
    )
    candidates = (set(holders) | reminded) - {session.channel.creator.user_id}
    notified = 0
    for user in User.objects.filter(pk__in=candidates).order_by("pk"):
        if not entitlement_check(user=user, live_session=session):
            continue
        # Someone with a reminder gets the reminder's e-mail, not a second one.
        email = None if user.pk in reminded else _live_now_email_for(session)
        if notify(
            user=user,
            kind=NotificationKind.GO_LIVE,
            key=live_notice_key(session.pk),
            text=lambda: _("“%(title)s” is live now.") % {"title": session.title},
            url=session.get_absolute_url(),
            email=email,
        ):
            notified += 1
    return notified


def live_notice_key(session_id: int) -> str:
    """One "it is live" notice per person and session, whoever sends it (the audience
    here, followers in community)."""
    return f"live:{session_id}"


def _live_now_email_for(session: LiveSession) -> Callable[[User], EmailMessage]:
    return lambda user: live_now_email(session=session, user=user)


def session_cover_update(*, session: LiveSession, user: User, upload: UploadedFile | None) -> None:
    """A session's own cover picture, by its host; None removes it (the channel's cover
    is shown then). A refused file raises ValidationError and the old cover stays."""
    _check_host(session, user)
    picture_replace(instance=session, field="cover", shape="cover", upload=upload)
