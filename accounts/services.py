from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, User
from accounts.tasks import send_email_task


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, bio: str = "", preferred_language: str = ""
) -> User:
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "bio", "preferred_language"])
    return user


def email_send_on_commit(*, message: EmailMessage) -> None:
    """Queue a rendered email for the Celery worker once the transaction commits.

    Rendering happens now (it needs the request's language and site); the SMTP
    round trip happens in the worker, off the request path. A rolled-back sign-up
    sends nothing.
    """
    payload = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            (alt.content, alt.mimetype) for alt in getattr(message, "alternatives", [])
        ],
    }
    transaction.on_commit(lambda: send_email_task.delay(payload))


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
    from accounts.context_processors import unread_count_forget

    user_id = user.pk
    unread_count_forget(user_id)
    transaction.on_commit(lambda: unread_count_forget(user_id))
