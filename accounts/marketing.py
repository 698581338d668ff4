"""Marketing e-mail only to people who asked for it, checked when it is sent.

Every e-mail the site sends leaves through the Celery tasks of accounts.tasks (the
services queue a rendered payload with accounts.services.email_send_on_commit).
Those tasks pass every payload through `consented_only`, the one place the
marketing consent is checked: a message marked as marketing (the
`X-Zhiliao-Purpose: marketing` header, set by `marketing_mark`) goes only to the
recipients who are users with the marketing consent on *at that moment*. Someone who
switched it off after the message was queued gets nothing; an address that belongs
to nobody, or to a deleted account, gets nothing. Messages not marked (receipts,
reminders, answers, the notifications people chose per kind) are not touched.

Promotional content must be marked: `marketing_send` (accounts.services.marketing)
marks what it queues, and anything else that promotes (news, offers, "you might
like") must go through it or call `marketing_mark`.
"""

from typing import Any

from django.core.mail import EmailMessage
from django.db.models.functions import Lower

from accounts.models import ConsentPurpose, User
from accounts.selectors import consents_for

PURPOSE_HEADER = "X-Zhiliao-Purpose"
MARKETING = "marketing"


def marketing_mark(message: EmailMessage) -> EmailMessage:
    """Mark `message` as marketing: it will reach only consenting users."""
    message.extra_headers[PURPOSE_HEADER] = MARKETING
    return message


def is_marketing(payload: dict[str, Any]) -> bool:
    headers = payload.get("headers") or {}
    return any(
        str(name).lower() == PURPOSE_HEADER.lower() and str(value).strip().lower() == MARKETING
        for name, value in headers.items()
    )


def marketing_allowed(addresses: list[str]) -> list[str]:
    """Those of `addresses` that belong to an active user who consents to marketing
    e-mail now (the consent cache is dropped on every change, so this is current)."""
    lowered = {address.lower() for address in addresses}
    users = (
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=lowered, is_active=True)
        .values_list("pk", "email")
    )
    consenting = {
        email.lower() for pk, email in users if consents_for(pk)[ConsentPurpose.MARKETING]
    }
    return [address for address in addresses if address.lower() in consenting]


def consented_only(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The payloads as they may be sent: marketing ones cut down to the consenting
    recipients (and dropped when none is left; cc and bcc are not allowed on them),
    the others unchanged."""
    kept = []
    for payload in payloads:
        if is_marketing(payload):
            to = marketing_allowed(list(payload.get("to") or []))
            if not to:
                continue
            payload = {**payload, "to": to, "cc": [], "bcc": []}
        kept.append(payload)
    return kept
