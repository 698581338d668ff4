"""Writes of entitlements, what a user may watch (called by payments' fulfilment and
by staff tools)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from marketplace import signals
from marketplace.access import LiveSessionLike
from marketplace.models import Course, Entitlement, SubscriptionTier


@transaction.atomic
def entitlement_grant(
    *,
    user: User,
    source: str,
    source_ref: str,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
    tier: SubscriptionTier | None = None,
    ends_at: datetime | None = None,
) -> Entitlement:
    """Grant access once per (source, source_ref): a replay returns the first grant."""
    entitlement, _created = Entitlement.objects.get_or_create(
        source=source,
        source_ref=source_ref,
        defaults={
            "user": user,
            "course": course,
            "live_session_id": live_session.pk if live_session is not None else None,
            "tier": tier,
            "starts_at": timezone.now(),
            "ends_at": ends_at,
        },
    )
    return entitlement


@transaction.atomic
def entitlement_extend(
    *, user: User, tier: SubscriptionTier, source_ref: str, ends_at: datetime
) -> Entitlement:
    """A paid subscription period: access runs at least until `ends_at`, to `tier`
    (the subscription's tier now: a change of tier takes effect at once).

    Periods can arrive out of order (webhooks do): the end only ever moves later.
    """
    entitlement = (
        Entitlement.objects.select_for_update()
        .filter(source=Entitlement.Source.SUBSCRIPTION, source_ref=source_ref)
        .first()
    )
    if entitlement is None:
        return entitlement_grant(
            user=user,
            source=Entitlement.Source.SUBSCRIPTION,
            source_ref=source_ref,
            tier=tier,
            ends_at=ends_at,
        )
    if entitlement.ends_at is None or ends_at > entitlement.ends_at:
        entitlement.ends_at = ends_at
    entitlement.tier = tier
    entitlement.save(update_fields=["ends_at", "tier"])
    return entitlement


@transaction.atomic
def entitlement_reinstate(*, source: str, source_ref: str) -> int:
    """Undo `entitlement_revoke` (a chargeback the seller won): the grant is valid again."""
    return Entitlement.objects.filter(
        source=source, source_ref=source_ref, revoked_at__isnull=False
    ).update(revoked_at=None)


def entitlement_revoke(*, source: str, source_ref: str) -> None:
    """End a grant; once committed, listeners (live rooms) hear which users lost it."""
    revoked = Entitlement.objects.filter(
        source=source, source_ref=source_ref, revoked_at__isnull=True
    )
    user_ids = sorted(set(revoked.values_list("user_id", flat=True)))
    if not user_ids:
        return
    revoked.update(revoked_at=timezone.now())
    transaction.on_commit(
        lambda: signals.entitlements_revoked.send(sender=Entitlement, user_ids=user_ids)
    )
