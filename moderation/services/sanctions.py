"""Mutes (no posting) and bans (no login), site-wide or in one channel."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notification_send, sessions_end
from core import events
from moderation.ban_cache import ban_cache_drop, ban_cache_set
from moderation.events import SanctionImposed
from moderation.models import ModerationAction, Sanction
from moderation.services._shared import audit


def sanction_check(
    *, user: User, kind: str, reason: str, moderator: User | None, expires_at: dt.datetime | None
) -> None:
    """Raise ValidationError unless `moderator` may impose this sanction (`reason`
    already stripped). The admin's form asks too, to show the error in place."""
    if kind not in Sanction.Kind.values:
        raise ValidationError(_("Choose mute or ban."))
    if not reason:
        raise ValidationError(_("A reason is required: the user is told why."))
    if moderator is not None and user.pk == moderator.pk:
        raise ValidationError(_("You can't sanction yourself."))
    if user.is_superuser:
        raise ValidationError(_("Administrators can't be sanctioned here."))
    if user.is_staff and moderator is not None and not moderator.is_superuser:
        raise ValidationError(
            _(
                "Staff members, other moderators included, can only be sanctioned "
                "by an administrator."
            )
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."))


@transaction.atomic
def sanction_impose(
    *,
    user: User,
    kind: str,
    reason: str,
    moderator: User | None,
    channel: Model | None = None,
    expires_at: dt.datetime | None = None,
    duration: dt.timedelta | None = None,
) -> Sanction:
    """Mute (no posting) or ban (no login) `user`, site-wide or in `channel`.

    A site-wide ban ends the user's sessions; `SanctionImposed` is sent on commit
    (live rooms close a banned user's sockets).
    """
    reason = (reason or "").strip()
    if duration is not None:
        expires_at = timezone.now() + duration
    sanction_check(user=user, kind=kind, reason=reason, moderator=moderator, expires_at=expires_at)
    sanction = Sanction.objects.create(
        user=user,
        kind=kind,
        channel=channel,  # type: ignore[misc]  # a marketplace.Channel; moderation doesn't import it
        reason=reason,
        expires_at=expires_at,
        created_by=moderator,
    )
    audit(
        ModerationAction.Kind.SANCTION,
        actor=moderator,
        sanction=sanction,
        target_user=user,
        reason=f"{sanction}: {reason}",
    )
    if kind == Sanction.Kind.BAN and channel is None:
        sessions_end(user=user)
        transaction.on_commit(lambda: ban_cache_set(sanction))
    notification_send(
        user=user,
        key=f"moderation:sanction:{sanction.pk}",
        text=_("%(kind)s %(until)s: %(reason)s")
        % {"kind": sanction.get_kind_display(), "until": sanction.until, "reason": reason},
    )
    events.send_on_commit(
        SanctionImposed(
            sanction_id=sanction.pk,
            user_id=user.pk,
            kind=kind,
            channel_id=channel.pk if channel is not None else None,
        )
    )
    return sanction


@transaction.atomic
def sanction_lift(*, sanction: Sanction, moderator: User, reason: str = "") -> Sanction:
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.lifted_at is None:
        sanction.lifted_at = timezone.now()
        sanction.save(update_fields=["lifted_at"])
        audit(
            ModerationAction.Kind.SANCTION_LIFT,
            actor=moderator,
            sanction=sanction,
            target_user=sanction.user,
            reason=reason,
        )
        user_id = sanction.user_id
        transaction.on_commit(lambda: ban_cache_drop(user_id))
    return sanction
