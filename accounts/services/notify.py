"""Notifications by kind, as each user wants them: in the site, by e-mail, both or not
at all (NotificationPreference), with a one-click unsubscribe in every e-mail.

`notify` is for one person (a reply, an answer); `notify_many` is for a batch of
people told the same thing (a channel going live to its followers): a fixed number
of queries per batch whatever its size, and one e-mail task per batch.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.context_processors import unread_cache_key
from accounts.models import Delivery, Notification, NotificationKind, NotificationPreference, User
from accounts.services import email_send_on_commit, in_language_of
from accounts.tasks import send_emails_task

# Kinds a user may switch off; "other" (account and moderation notices) always reaches them.
CONFIGURABLE = [kind for kind in NotificationKind if kind != NotificationKind.OTHER]
_UNSUBSCRIBE_SALT = "accounts.notifications.unsubscribe"

EmailFor = Callable[[User], EmailMessage]


def email_line_and_link(text: Callable[[], str], path: str) -> EmailFor:
    """The e-mail of a one-line notice: `text()` (in the recipient's language) as
    subject and body, and the site's `path` under it to act on it."""

    def email(user: User) -> EmailMessage:
        with in_language_of(user):
            line = text()
        return EmailMessage(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + line[:100],
            body=f"{line}\n\n{settings.SITE_URL.rstrip('/')}{path}",
            to=[user.email],
        )

    return email


def deliveries_for(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each user's delivery for `kind` (one query); users without a row get BOTH."""
    ids = list(user_ids)
    if kind == NotificationKind.OTHER:
        return dict.fromkeys(ids, Delivery.BOTH)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: chosen.get(pk, Delivery.BOTH) for pk in ids}


def preferences_for(user: User) -> dict[str, str]:
    """Every configurable kind with this user's delivery (for the settings form)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind.value: chosen.get(kind.value, Delivery.BOTH) for kind in CONFIGURABLE}


@transaction.atomic
def notification_preferences_save(*, user: User, choices: dict[str, str]) -> None:
    """Store the user's delivery per kind; unknown kinds or deliveries are refused."""
    kinds = {kind.value for kind in CONFIGURABLE}
    for kind, delivery in choices.items():
        if kind not in kinds or delivery not in Delivery.values:
            raise ValueError(f"unknown notification kind or delivery: {kind}={delivery}")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )


# --- one-click unsubscribe (RFC 8058) ---------------------------------------------------


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(f"{user_id}.{kind}")


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    path = reverse(
        "accounts:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)}
    )
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_read(token: str) -> tuple[User, str]:
    """The user and kind a token stands for; ValueError if forged or stale."""
    try:
        value = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token)
        user_id, kind = value.split(".", 1)
        user = User.objects.get(pk=int(user_id), is_active=True)
    except (signing.BadSignature, ValueError, User.DoesNotExist):
        raise ValueError("not a valid unsubscribe link") from None
    if kind not in {k.value for k in CONFIGURABLE}:
        raise ValueError("not a valid unsubscribe link")
    return user, kind


@transaction.atomic
def email_unsubscribe(*, user: User, kind: str) -> str:
    """Stop e-mails of `kind` and keep whatever in-site delivery there was. Returns the
    new delivery. Twice is the same as once."""
    current = deliveries_for([user.pk], kind)[user.pk]
    new = {Delivery.BOTH: Delivery.IN_APP, Delivery.EMAIL: Delivery.NONE}.get(
        Delivery(current), Delivery(current)
    )
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": new}
    )
    return new


def _with_unsubscribe(message: EmailMessage, *, user: User, kind: str) -> EmailMessage:
    """Add the List-Unsubscribe headers (one click, RFC 8058) and a link in the body."""
    if kind == NotificationKind.OTHER:
        return message
    url = unsubscribe_url(user_id=user.pk, kind=kind)
    message.extra_headers = {
        **message.extra_headers,
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    with in_language_of(user):
        footer = _("Stop e-mails like this one (%(kind)s): %(url)s") % {
            "kind": NotificationKind(kind).label,
            "url": url,
        }
    message.body = f"{message.body}\n\n-- \n{footer}\n"
    return message


# --- sending ----------------------------------------------------------------------------


def _forget_badges_on_commit(user_ids: Sequence[int]) -> None:
    keys = [unread_cache_key(pk) for pk in user_ids]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


@transaction.atomic
def notify(
    *,
    user: User,
    kind: str,
    key: str,
    text: str | Callable[[], str],
    url: str = "",
    email: EmailFor | None = None,
) -> bool:
    """Tell one user, as they want `kind` delivered: a notification in the site, the
    e-mail `email(user)` builds (with a one-click unsubscribe), both or nothing.

    Once per `key` (True if it is new). `text` may be a function: it is then called in
    the recipient's language."""
    delivery = deliveries_for([user.pk], kind)[user.pk]
    if delivery == Delivery.NONE:
        return False
    in_app = delivery in (Delivery.BOTH, Delivery.IN_APP)
    with in_language_of(user):
        message = text() if callable(text) else text
    _notification, created = Notification.objects.get_or_create(
        user=user,
        key=key,
        defaults={"text": message[:300], "url": url, "kind": kind, "in_app": in_app},
    )
    if not created:
        return False
    if in_app:
        _forget_badges_on_commit([user.pk])
    if email is not None and delivery in (Delivery.BOTH, Delivery.EMAIL):
        email_send_on_commit(message=_with_unsubscribe(email(user), user=user, kind=kind))
    return True


def email_send_as(*, user: User, kind: str, message: EmailMessage) -> bool:
    """An e-mail of `kind` that has no in-site notice of its own (a reminder): sent on
    commit with its unsubscribe link if the user takes `kind` by e-mail."""
    if deliveries_for([user.pk], kind)[user.pk] not in (Delivery.BOTH, Delivery.EMAIL):
        return False
    email_send_on_commit(message=_with_unsubscribe(message, user=user, kind=kind))
    return True


def _payload(message: EmailMessage) -> dict[str, Any]:
    return {
        "subject": " ".join(str(message.subject).split()),
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }


@transaction.atomic
def notify_many(
    *,
    users: Sequence[User],
    kind: str,
    key: str,
    text: Callable[[User], str],
    url: str = "",
    email: EmailFor | None = None,
) -> list[int]:
    """`notify` for a batch: three queries (preferences, who already has `key`, one
    INSERT) whatever the batch size, and one Celery task for all its e-mails.

    `text(user)` is called in each recipient's language. Returns the ids of the users
    newly told (by any channel)."""
    deliveries = deliveries_for([user.pk for user in users], kind)
    wanted = [user for user in users if deliveries[user.pk] != Delivery.NONE]
    already = set(
        Notification.objects.filter(user__in=wanted, key=key).values_list("user_id", flat=True)
    )
    new = [user for user in wanted if user.pk not in already]
    rows = []
    for user in new:
        with in_language_of(user):
            message = text(user)
        in_app = deliveries[user.pk] in (Delivery.BOTH, Delivery.IN_APP)
        rows.append(
            Notification(user=user, key=key, kind=kind, in_app=in_app, text=message[:300], url=url)
        )
    # A parallel run for the same key may have inserted some meanwhile: theirs stand.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _forget_badges_on_commit([row.user_id for row in rows if row.in_app])
    if email is not None:
        payloads = [
            _payload(_with_unsubscribe(email(user), user=user, kind=kind))
            for user in new
            if deliveries[user.pk] in (Delivery.BOTH, Delivery.EMAIL)
        ]
        if payloads:
            transaction.on_commit(lambda: send_emails_task.delay(payloads))
    return [user.pk for user in new]
