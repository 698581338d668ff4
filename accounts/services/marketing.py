"""Sending marketing e-mail (news, offers): only to users who switched the marketing
consent on. Checked twice: here, so nobody else is even queued, and again in the
worker at send time (accounts.marketing.consented_only), so a consent withdrawn
between the two still stops the message."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.marketing import marketing_allowed, marketing_mark
from accounts.models import User
from accounts.services import in_language_of
from accounts.tasks import send_emails_task


def marketing_send(
    *, users: Iterable[User], subject: Callable[[User], str], body: Callable[[User], str]
) -> int:
    """Queue one marketing e-mail per consenting user (rendered in their language,
    with a link to switch it off), sent after commit in one batch. Returns how many
    were queued."""
    people = [user for user in users if user.email]
    allowed = {a.lower() for a in marketing_allowed([user.email for user in people])}
    privacy = settings.SITE_URL.rstrip("/") + reverse("accounts:privacy")
    payloads = []
    for user in people:
        if user.email.lower() not in allowed:
            continue
        with in_language_of(user):
            footer = _("You get this because you allowed marketing e-mail. Switch it off: %(url)s")
            message = EmailMessage(
                subject=" ".join(subject(user).split()),
                body=f"{body(user)}\n\n-- \n{footer % {'url': privacy}}\n",
                to=[user.email],
                headers={"List-Unsubscribe": f"<{privacy}>"},
            )
        marketing_mark(message)
        payloads.append(
            {
                "subject": message.subject,
                "body": message.body,
                "from_email": message.from_email,
                "to": list(message.to),
                "headers": dict(message.extra_headers),
            }
        )
    if payloads:
        transaction.on_commit(lambda: send_emails_task.delay(payloads))
    return len(payloads)
