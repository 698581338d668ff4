"""What the moderation services share: settings, the audit trail, review items."""

from typing import TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from moderation import registry
from moderation.models import ExpertVerification, ModerationAction, ReviewItem, Sanction

EXCERPT_LENGTH = 300

T = TypeVar("T")


def setting(name: str, default: T) -> T:
    value: T = getattr(settings, name, default)
    return value


def decision_record(
    row: ReviewItem | ExpertVerification, *, status: str, moderator: User, reason: str
) -> None:
    """Caller holds the row lock. Stamp the decision on the row: what, who, when, why."""
    row.status = status
    row.decided_by = moderator
    row.decided_at = timezone.now()
    row.decision_reason = reason
    fields = ["status", "decided_by", "decided_at", "decision_reason"]
    if isinstance(row, ReviewItem):
        fields.append("updated_at")
        if status == ReviewItem.Status.REJECTED:
            row.hiding = True  # rejected content stays hidden, however it came in
            fields.append("hiding")
    row.save(update_fields=fields)


def audit(
    kind: str,
    *,
    actor: User | None = None,
    item: ReviewItem | None = None,
    sanction: Sanction | None = None,
    verification: ExpertVerification | None = None,
    target_user: User | None = None,
    reason: str = "",
) -> ModerationAction:
    """One row of the audit trail (append-only)."""
    return ModerationAction.objects.create(
        kind=kind,
        actor=actor,
        item=item,
        sanction=sanction,
        verification=verification,
        target_user=target_user,
        reason=reason,
    )


def item_for(obj: Model, *, lock: bool = False) -> ReviewItem | None:
    """The review item of `obj`, if it ever had one (row-locked with `lock`)."""
    qs = ReviewItem.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def review_open(
    obj: Model,
    *,
    source: str,
    reasons: list[str],
    hiding: bool = True,
    score: float | None = None,
    score_words: list[str] | None = None,
) -> ReviewItem:
    """Open (or reopen) the review item of `obj`: pending, undecided, with the
    classifier's score and weightiest words if it was scored; `hiding` keeps the
    content from the public meanwhile. Caller is in a transaction."""
    adapter = registry.adapter_for(obj)
    item, _created = ReviewItem.objects.select_for_update().get_or_create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        defaults={"source": source},
    )
    item.author = adapter.author(obj)
    item.excerpt = adapter.text(obj)[:EXCERPT_LENGTH]
    item.reasons = reasons
    item.source = source
    item.hiding = hiding
    item.status = ReviewItem.Status.PENDING
    item.decided_by = None
    item.decided_at = None
    item.decision_reason = ""
    item.score = score
    item.score_words = list(score_words or [])
    item.save()
    return item
