"""livestream's personal data (accounts.personal_data), registered from
LivestreamConfig.ready(): chat messages and room questions, tickets, reminders;
and the retention of chat IP addresses."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import personal_data
from accounts.models import User
from livestream.models import (
    LiveSession,
    RoomEvent,
    RoomQuestion,
    SessionReminder,
    StreamKey,
    TipLeaderboardOptOut,
)
from livestream.services.questions import priority_settle
from livestream.services.rooms import locked_session
from payments.models import Purchase

rows = personal_data.rows


def chat_export(user: User) -> personal_data.Rows:
    return [
        {
            "session_id": event.session_id,
            "seq": event.seq,
            "text": event.payload.get("text", ""),
            "created_at": event.created_at.isoformat(),
            "deleted_at": event.deleted_at.isoformat() if event.deleted_at else None,
            "ip": event.ip,
        }
        for event in RoomEvent.objects.filter(author=user, kind=RoomEvent.Kind.CHAT).order_by("pk")
    ]


def open_sessions(user: User) -> list[str]:
    """A creator's upcoming sessions that people paid to attend."""
    sold = LiveSession.objects.filter(
        channel__creator__user=user,
        status__in=[LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE],
        pk__in=Purchase.objects.filter(status=Purchase.Status.PAID).values("live_session_id"),
    ).count()
    if not sold:
        return []
    return [
        _("%(n)d of your upcoming sessions have tickets sold: hold or cancel them first.")
        % {"n": sold}
    ]


def _anonymous(payload_user: dict) -> dict:
    return {**payload_user, "id": None, "name": str(_("deleted user"))}


def room_erase(user: User, remove_contributions: bool) -> None:
    """Refund held priority questions; rewrite the name in every room event that shows
    the person; with `remove_contributions`, blank their messages and questions."""
    for question in RoomQuestion.objects.filter(
        author=user, priority=RoomQuestion.Priority.HELD
    ).select_related("session"):
        priority_settle(locked_session(question.session), question, answered=False)
        question.save(update_fields=["priority"])
    mine = Q(payload__user__id=user.pk) | Q(payload__question__user__id=user.pk)
    for event in RoomEvent.objects.filter(mine | Q(author=user)):
        payload = dict(event.payload)
        if payload.get("user", {}).get("id") == user.pk:
            payload["user"] = _anonymous(payload["user"])
        asked = payload.get("question")
        if isinstance(asked, dict) and asked.get("user", {}).get("id") == user.pk:
            payload["question"] = {**asked, "user": _anonymous(asked["user"])}
            if remove_contributions:
                payload["question"]["text"] = ""
        fields = ["payload", "ip"]
        if remove_contributions and event.author_id == user.pk and "text" in payload:
            payload["text"] = ""
            event.deleted_at = event.deleted_at or timezone.now()
            fields.append("deleted_at")
        event.payload, event.ip = payload, ""
        event.save(update_fields=fields)
    if remove_contributions:
        RoomQuestion.objects.filter(author=user).update(
            text="", status=RoomQuestion.Status.DISMISSED
        )
    SessionReminder.objects.filter(user=user).delete()
    StreamKey.objects.filter(creator__user=user).delete()  # its publishing secret, revoked


@transaction.atomic
def chat_ips_clear(*, older_than_days: int | None = None) -> int:
    """Forget chat senders' addresses after PRIVACY_IP_RETENTION_DAYS."""
    days = older_than_days or settings.PRIVACY_IP_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    return RoomEvent.objects.filter(created_at__lt=cutoff).exclude(ip="").update(ip="")


def register() -> None:
    personal_data.register(
        "chat_messages", export=chat_export, erase=room_erase, blockers=open_sessions, order=10
    )
    personal_data.register_rows(
        "room_questions",
        lambda user: RoomQuestion.objects.filter(author=user),
        "session_id text status votes priority priority_amount priority_currency created_at "
        "answered_at",
    )
    personal_data.register_rows(
        "tickets",
        lambda user: Purchase.objects.filter(buyer=user, live_session__isnull=False),
        "live_session_id live_session__title amount currency status created_at paid_at",
    )
    personal_data.register_rows(
        "tip_leaderboard_opt_out",  # the "keep me anonymous" switch, when it is on
        lambda user: TipLeaderboardOptOut.objects.filter(user=user),
        "created_at",
    )
    personal_data.register_rows(
        "session_reminders",
        lambda user: SessionReminder.objects.filter(user=user),
        "session_id session__title",
    )
