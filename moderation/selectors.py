"""Moderation reads other apps rely on."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from moderation.models import ReviewItem, Sanction


def expert_is_verified(user) -> bool:
    """True for a creator a moderator verified (marketplace.CreatorProfile.is_verified,
    set when an ExpertVerification is approved)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from marketplace.models import CreatorProfile

    return CreatorProfile.objects.filter(user=user, is_verified=True).exists()


def _active(qs: QuerySet[Sanction]) -> QuerySet[Sanction]:
    now = timezone.now()
    return qs.filter(lifted_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def user_sanction(*, user, channel=None, kind: str | None = None) -> Sanction | None:
    """The active sanction that applies to `user` site-wide or in `channel` (a Channel,
    or several as a list or queryset), or None.

    A ban outranks a mute; among equals the one lasting longest wins (no expiry first).
    `kind` ("mute" or "ban") narrows the search.
    """
    if user is None or not getattr(user, "pk", None):
        return None
    where = Q(channel__isnull=True)
    if isinstance(channel, (list, tuple, QuerySet)):
        where |= Q(channel__in=channel)  # content that belongs to several channels
    elif channel is not None:
        where |= Q(channel=channel)
    qs = _active(Sanction.objects.filter(user=user).filter(where))
    if kind:
        qs = qs.filter(kind=kind)
    sanctions = list(qs.select_related("channel"))
    if not sanctions:
        return None
    far = timezone.now().replace(year=9999)
    return max(
        sanctions,
        key=lambda s: (s.kind == Sanction.Kind.BAN, s.expires_at or far),
    )


def user_is_banned(user) -> Sanction | None:
    """The active site-wide ban of `user`, or None (logs them out, refuses login)."""
    if user is None or not getattr(user, "pk", None):
        return None
    return (
        _active(Sanction.objects.filter(user=user, kind=Sanction.Kind.BAN, channel__isnull=True))
        .order_by("-created_at")
        .first()
    )


def review_queue() -> QuerySet[ReviewItem]:
    return ReviewItem.objects.filter(status__in=ReviewItem.OPEN).select_related(
        "author", "content_type"
    )


def review_state_annotate(objs) -> None:
    """Set `obj.review_state` on each object, for its author's studio: "Awaiting
    review" or "Rejected by moderators" while moderation keeps it from the public,
    else None. One query per kind of object."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils.translation import gettext as _

    objs = list(objs)
    by_type: dict[int, dict[int, object]] = {}
    for obj in objs:
        obj.review_state = None
        ct = ContentType.objects.get_for_model(obj)  # cached by Django
        by_type.setdefault(ct.pk, {})[obj.pk] = obj
    labels = {
        ReviewItem.Status.PENDING: _("Awaiting review"),
        ReviewItem.Status.ESCALATED: _("Awaiting review"),
        ReviewItem.Status.REJECTED: _("Rejected by moderators"),
    }
    for ct_id, members in by_type.items():
        rows = ReviewItem.objects.filter(
            content_type_id=ct_id, object_id__in=list(members)
        ).exclude(status=ReviewItem.Status.APPROVED)
        for object_id, status in rows.values_list("object_id", "status"):
            members[object_id].review_state = labels.get(status)


def reviews_holding(model) -> QuerySet[ReviewItem]:
    """Review items that keep content of `model` from the public (waiting for a
    decision or rejected). Filter by object_id, or by OuterRef("pk") in a subquery
    for kinds without a visibility field, e.g. livestream.LiveSession."""
    meta = model._meta.concrete_model._meta
    return ReviewItem.objects.filter(  # a join, not a content-type lookup query
        content_type__app_label=meta.app_label, content_type__model=meta.model_name
    ).exclude(status=ReviewItem.Status.APPROVED)


def content_held(obj) -> bool:
    """True while moderation keeps `obj` from the public. For kinds without a
    visibility field, e.g. livestream.LiveSession: its detail page and room ask this."""
    return reviews_holding(type(obj)).filter(object_id=obj.pk).exists()
