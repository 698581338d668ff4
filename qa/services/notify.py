"""Telling askers and experts what happened: in-app and by email, on commit."""

from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage

from accounts import services as account_services
from accounts.models import User


def notify(user: User, *, key: str, text: Callable[[], str], url: str) -> None:
    """In-app notification plus an email, both only if the transaction commits.

    `text` is a function that returns it, called in the recipient's language (not
    the language of whoever caused it). It holds the user's words; the inbox template
    escapes it, and the email is plain text, so nothing here is marked safe.
    """
    with account_services.in_language_of(user):
        message = text()

    if account_services.notification_send(user=user, key=key, text=message, url=url):
        account_services.email_send_on_commit(
            message=EmailMessage(
                subject=message[:120].replace("\n", " "),
                body=f"{message}\n\n{settings.SITE_URL.rstrip('/')}{url}",
                to=[user.email],
            )
        )


def excerpt(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
