"""Account deletion (GDPR Art. 17, PIPL Art. 47).

Asked for, it waits PRIVACY_DELETION_GRACE_DAYS, during which the user may cancel.
Then the beat job `account_deletions_run` carries it out in two steps:

1. lock: the account is made inactive and logged out everywhere, committed on its
   own, so from here on nobody can use it whatever happens next;
2. erase: every app's registered eraser (accounts.personal_data) runs in ascending
   order inside one transaction: payments cancels subscriptions, refunds open
   escrows and pseudonymises money records; the others erase or anonymise; accounts
   scrubs the user row last. Any failure rolls the whole step back, so the account
   is never half-erased: it stays locked, is marked failed, and the next run tries
   again.

Before locking, the registered blockers are asked again (a creator may have earned
money during the grace period): a blocked deletion is cancelled and the user told
what to settle, with the account untouched.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import personal_data
from accounts.models import AccountDeletion, User
from accounts.selectors import deletion_open_for
from accounts.services import email_send_on_commit, in_language_of, sessions_end

logger = logging.getLogger(__name__)


def deletion_blockers(*, user: User) -> list[str]:
    """What `user` must settle before their account can be deleted (every app asked)."""
    return [
        message
        for kind in personal_data.kinds()
        if kind.blockers is not None
        for message in kind.blockers(user)
    ]


@transaction.atomic
def account_deletion_request(
    *, user: User, contributions: str = AccountDeletion.Contributions.ANONYMISE
) -> AccountDeletion:
    """Schedule `user`'s deletion; asking twice returns the one already scheduled.
    Refused (ValidationError listing them) while something must be settled first."""
    if contributions not in AccountDeletion.Contributions.values:
        raise ValidationError(_("Choose what happens to your messages and comments."))
    existing = deletion_open_for(user=user)
    if existing is not None:
        return existing
    blockers = deletion_blockers(user=user)
    if blockers:
        raise ValidationError(blockers)
    due = timezone.now() + timedelta(days=settings.PRIVACY_DELETION_GRACE_DAYS)
    try:
        with transaction.atomic():
            deletion = AccountDeletion.objects.create(
                user=user, contributions=contributions, due_at=due
            )
    except IntegrityError:  # a second click won the race
        return AccountDeletion.objects.get(user=user, status=AccountDeletion.Status.SCHEDULED)
    _email(
        user,
        lambda: (
            _("Your account will be deleted"),
            _(
                "You asked us to delete your account. It will be deleted on %(date)s. "
                "Until then you can cancel on the Privacy page of your account settings."
            )
            % {"date": due.date().isoformat()},
        ),
    )
    return deletion


@transaction.atomic
def account_deletion_cancel(*, user: User) -> bool:
    """Cancel a scheduled deletion. False if there was none to cancel (one already
    being carried out cannot be)."""
    cancelled = AccountDeletion.objects.filter(
        user=user, status=AccountDeletion.Status.SCHEDULED
    ).update(status=AccountDeletion.Status.CANCELLED, finished_at=timezone.now())
    return bool(cancelled)


def account_deletions_run(*, limit: int = 100) -> list[int]:
    """Carry out every deletion that is due, and retry the ones that failed. Returns
    the ids of the deletions done."""
    due = AccountDeletion.objects.filter(
        Q(status=AccountDeletion.Status.SCHEDULED, due_at__lte=timezone.now())
        | Q(status=AccountDeletion.Status.FAILED)
        # A run killed half-way left it "running": its transaction rolled back.
        | Q(status=AccountDeletion.Status.RUNNING)
    ).values_list("pk", flat=True)[:limit]
    return [pk for pk in list(due) if account_deletion_execute(deletion_id=pk)]


def account_deletion_execute(*, deletion_id: int) -> bool:
    """Lock, then erase (see the module's docstring). True if the account is erased."""
    deletion = _lock(deletion_id)
    if deletion is None:
        return False
    try:
        with transaction.atomic():
            current = AccountDeletion.objects.select_for_update().get(pk=deletion_id)
            if current.attempts != deletion.attempts:
                return False  # a later run took this deletion over: it finishes it
            user = User.objects.select_for_update().get(pk=deletion.user_id)
            remove = deletion.contributions == AccountDeletion.Contributions.REMOVE
            for kind in personal_data.kinds():
                if kind.erase is not None:
                    kind.erase(user, remove)
            AccountDeletion.objects.filter(pk=deletion_id).update(
                status=AccountDeletion.Status.DONE, finished_at=timezone.now(), error=""
            )
    except Exception as error:
        logger.exception("accounts: deletion %s failed; the account stays locked", deletion_id)
        AccountDeletion.objects.filter(pk=deletion_id).update(
            status=AccountDeletion.Status.FAILED, error=str(error)[:300]
        )
        return False
    return True


def _lock(deletion_id: int) -> AccountDeletion | None:
    with transaction.atomic():
        deletion = (
            AccountDeletion.objects.select_for_update()
            .select_related("user")
            .filter(pk=deletion_id)
            .first()
        )
        if deletion is None or deletion.status in (
            AccountDeletion.Status.DONE,
            AccountDeletion.Status.CANCELLED,
        ):
            return None
        user = deletion.user
        if deletion.status == AccountDeletion.Status.SCHEDULED:
            blockers = deletion_blockers(user=user)
            if blockers:
                deletion.status = AccountDeletion.Status.CANCELLED
                deletion.error = " ".join(blockers)[:300]
                deletion.finished_at = timezone.now()
                deletion.save(update_fields=["status", "error", "finished_at"])
                _email(
                    user,
                    lambda: (
                        _("Your account could not be deleted yet"),
                        _("Please settle this first, then ask again:")
                        + "\n\n"
                        + "\n".join(blockers),
                    ),
                )
                return None
        deletion.status = AccountDeletion.Status.RUNNING
        deletion.attempts += 1
        deletion.save(update_fields=["status", "attempts"])
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        sessions_end(user=user)
    return deletion


def _email(user: User, render: Callable[[], tuple[str, str]]) -> None:
    """`render` gives (subject, body), called in the user's language."""
    with in_language_of(user):
        subject, body = render()
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
    email_send_on_commit(message=message)
