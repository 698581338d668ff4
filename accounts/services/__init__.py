from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.context_processors import unread_count_forget
from accounts.models import LoginSession, Notification, User
from accounts.tasks import send_email_task
from core import screening
from core.pictures import picture_replace
from core.timezones import zone_get


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str,
    bio: str = "",
    preferred_language: str = "",
    time_zone: str = "",
) -> User:
    screening.fields_screen({"display_name": display_name, "bio": bio})
    if time_zone and zone_get(time_zone) is None:
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")})
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.preferred_language = preferred_language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "bio", "preferred_language", "time_zone"])
    return user


def user_avatar_update(*, user: User, upload: UploadedFile | None) -> None:
    """The user's avatar (shown on their creator page and in lists); None removes it.
    A refused file raises ValidationError and the old avatar stays."""
    picture_replace(instance=user, field="avatar", shape="avatar", upload=upload)


def user_time_zone_detected(*, user: User, name: str) -> None:
    """Keep the zone the browser reported for a user who has not chosen one; a choice
    made meanwhile (another tab) is never overwritten."""
    if zone_get(name) is None:
        return
    User.objects.filter(pk=user.pk, time_zone="").update(time_zone=name)
    user.time_zone = name


def email_send_on_commit(*, message: EmailMessage) -> None:
    """Queue a rendered email for the Celery worker once the transaction commits.

    Rendering happens now (it needs the request's language and site); the SMTP
    round trip happens in the worker, off the request path. A rolled-back sign-up
    sends nothing. Line breaks in the subject (user-written titles end up there)
    become spaces: a header cannot hold them.
    """
    payload = {
        "subject": " ".join(str(message.subject).split()),
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            (alt.content, alt.mimetype) for alt in getattr(message, "alternatives", [])
        ],
    }
    transaction.on_commit(lambda: send_email_task.delay(payload))


def in_language_of(user: User) -> translation.override:
    """Render what `user` will read (a notification, an email) in their preferred
    language; without one set, in the site's default language (never in the language
    of whoever caused the message)."""
    language = getattr(user, "preferred_language", "") or ""
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    return translation.override(language)


@transaction.atomic
def notification_send(*, user: User, key: str, text: str, url: str = "") -> bool:
    """Put a notification in the user's inbox once per `key`. True if it is new."""
    _notification, created = Notification.objects.get_or_create(
        user=user, key=key, defaults={"text": text[:300], "url": url}
    )
    if created:
        _unread_badge_forget_on_commit(user)
    return created


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        _unread_badge_forget_on_commit(user)
    return marked


def _unread_badge_forget_on_commit(user: User) -> None:
    """The navigation badge caches the unread count: forget it now and again after
    commit (a page rendered in between may have cached the old count)."""
    user_id = user.pk
    unread_count_forget(user_id)
    transaction.on_commit(lambda: unread_count_forget(user_id))


# --- sessions --------------------------------------------------------------------------


def login_session_record(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """`user_logged_in` receiver: remember the new session's key for this user, and
    forget this user's keys older than a session can live."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if not session.session_key:
        session.save()
    LoginSession.objects.update_or_create(
        session_key=session.session_key,
        # Encrypted at rest; cleared after PRIVACY_IP_RETENTION_DAYS (retention.py).
        defaults={"user": user, "ip": request.META.get("REMOTE_ADDR", "")[:45]},
    )
    too_old = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    LoginSession.objects.filter(user=user, created_at__lt=too_old).delete()


def login_session_forget(
    sender: Any, request: HttpRequest, user: User | None, **kwargs: Any
) -> None:
    """`user_logged_out` receiver."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        LoginSession.objects.filter(session_key=session.session_key).delete()


def sessions_end(*, user: User) -> int:
    """Log `user` out everywhere: delete every stored session recorded at their logins.
    Returns how many were recorded."""
    engine = import_module(settings.SESSION_ENGINE)
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    store = engine.SessionStore()
    for key in keys:
        store.delete(key)
    LoginSession.objects.filter(user=user, session_key__in=keys).delete()
    return len(keys)
