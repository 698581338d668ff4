"""Telling askers and experts what happened: in-app and by email, on commit, as each
person wants that kind of notice (accounts.services.notify)."""

from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage

from accounts.models import NotificationKind, User
from accounts.services import in_language_of
from accounts.services.notify import notify as notify_user


def notify(
    user: User,
    *,
    key: str,
    text: Callable[[], str],
    url: str,
    kind: str = NotificationKind.OTHER,
) -> None:
    """In-app notification plus an email, both only if the transaction commits.

    `text` is a function that returns it, called in the recipient's language (not
    the language of whoever caused it). It holds the user's words; the inbox template
    escapes it, and the email is plain text, so nothing here is marked safe.
    """
    with in_language_of(user):
        message = text()

    def email(user: User) -> EmailMessage:
        return EmailMessage(
            subject=message[:120].replace("\n", " "),
            body=f"{message}\n\n{settings.SITE_URL.rstrip('/')}{url}",
            to=[user.email],
        )

    notify_user(user=user, kind=kind, key=key, text=message, url=url, email=email)


def excerpt(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
