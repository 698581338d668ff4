"""Moderation reads other apps rely on."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from moderation import registry
from moderation.models import ReviewItem, Sanction

AnyUser = User | AnonymousUser | None


def expert_is_verified(user: AnyUser) -> bool:
    """True for a creator a moderator verified (the badge lives with the creator
    profiles' owner, marketplace; it is set when an ExpertVerification is approved)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return registry.creator_is_verified(user)


def _active(qs: QuerySet[Sanction]) -> QuerySet[Sanction]:
    now = timezone.now()
    return qs.filter(lifted_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def user_sanction(
    *,
    user: AnyUser,
    channel: Model | Iterable[Model] | None = None,
    kind: str | None = None,
) -> Sanction | None:
    """The active sanction that applies to `user` site-wide or in `channel` (a Channel,
    or several as a list or queryset), or None.

    A ban outranks a mute; among equals the one lasting longest wins (no expiry first).
    `kind` ("mute" or "ban") narrows the search.
    """
    if not isinstance(user, User) or not user.pk:
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


def user_is_banned(user: AnyUser) -> Sanction | None:
    """The active site-wide ban of `user`, or None (logs them out, refuses login)."""
    if not isinstance(user, User) or not user.pk:
        return None
    return (
        _active(Sanction.objects.filter(user=user, kind=Sanction.Kind.BAN, channel__isnull=True))
        .order_by("-created_at")
        .first()
    )


def review_state_annotate(objs: Iterable[Any]) -> None:
    """Set `obj.review_state` on each object, for its author's studio: "Awaiting
    review" or "Rejected by moderators" while moderation keeps it from the public,
    else None. One query per kind of object."""
    by_type: dict[int, dict[int, Any]] = {}
    for obj in objs:
        obj.review_state = None
        ct = ContentType.objects.get_for_model(obj)  # cached by Django
        by_type.setdefault(ct.pk, {})[obj.pk] = obj
    labels: dict[str, str] = {
        ReviewItem.Status.PENDING: _("Awaiting review"),
        ReviewItem.Status.ESCALATED: _("Awaiting review"),
        ReviewItem.Status.REJECTED: _("Rejected by moderators"),
    }
    for ct_id, members in by_type.items():
        rows = ReviewItem.objects.filter(
            content_type_id=ct_id, object_id__in=list(members), hiding=True
        ).exclude(status=ReviewItem.Status.APPROVED)
        for object_id, status in rows.values_list("object_id", "status"):
            members[object_id].review_state = labels.get(status)


def reviews_holding(model: type[Model]) -> QuerySet[ReviewItem]:
    """Review items that keep content of `model` from the public (waiting for a
    decision or rejected). Filter by object_id, or by OuterRef("pk") in a subquery
    for kinds without a visibility field, e.g. livestream.LiveSession."""
    meta = (model._meta.concrete_model or model)._meta
    return ReviewItem.objects.filter(  # a join, not a content-type lookup query
        content_type__app_label=meta.app_label, content_type__model=meta.model_name, hiding=True
    ).exclude(status=ReviewItem.Status.APPROVED)


def content_held(obj: Model) -> bool:
    """True while moderation keeps `obj` from the public. For kinds without a
    visibility field, e.g. livestream.LiveSession: its detail page and room ask this."""
    return reviews_holding(type(obj)).filter(object_id=obj.pk).exists()


def content_url(obj: Model | None) -> str:
    """Where `obj` is shown in context, or "" (a broken link must not break the page
    or block a decision)."""
    if obj is None:
        return ""
    try:
        return registry.adapter_for(obj).url(obj)
    except Exception:  # noqa: BLE001 - whatever the content's own code raises
        return ""


def review_item_for(obj: Model) -> ReviewItem | None:
    """The review item of `obj`, if it ever had one."""
    return ReviewItem.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).first()
