"""Every moderation write: screening content on save and deciding review items."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from moderation import registry
from moderation.models import ReviewItem
from moderation.screening import HOLD, REFUSE, Verdict, text_screen

EXCERPT_LENGTH = 300


def _review_open(obj, *, source: str, reasons: list[str]) -> ReviewItem:
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
    item.status = ReviewItem.Status.PENDING
    item.decided_by = None
    item.decided_at = None
    item.decision_reason = ""
    item.save()
    return item


def _open_item(obj) -> ReviewItem | None:
    return (
        ReviewItem.objects.select_for_update()
        .filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            status__in=ReviewItem.OPEN,
        )
        .first()
    )


@transaction.atomic
def content_screen(*, obj, review_reason: str = "") -> Verdict:
    """Screen new or edited content (already saved) and show, hold or refuse it.

    Call it inside the service that saves `obj`, after the save:
    - refuse: raises ValidationError with the reason for the author, so the caller's
      transaction rolls back and nothing changes;
    - hold (or `review_reason` given, e.g. an unverified creator's new course): the
      content is hidden and waits in the review queue;
    - publish: the content is shown, unless it already waits for a decision.
    """
    adapter = registry.adapter_for(obj)
    verdict = text_screen(adapter.text(obj))
    if verdict.decision == REFUSE:
        raise ValidationError(verdict.message)
    if verdict.decision == HOLD or review_reason:
        reasons = list(verdict.reasons) + ([review_reason] if review_reason else [])
        source = (
            ReviewItem.Source.SCREENING
            if verdict.decision == HOLD
            else ReviewItem.Source.CREATOR_REVIEW
        )
        _review_open(obj, source=source, reasons=reasons)
        adapter.set_visible(obj, False)
        return Verdict(
            HOLD,
            tuple(reasons),
            verdict.message or _("A moderator will look at this before it is shown."),
        )
    if _open_item(obj) is None:
        adapter.set_visible(obj, True)
    return verdict


def _decide(item: ReviewItem, *, moderator: User, status: str, reason: str) -> ReviewItem:
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if not item.is_open:
            raise ValidationError(
                _("Someone else already decided this item (%(status)s).")
                % {"status": item.get_status_display()}
            )
        item.status = status
        item.decided_by = moderator
        item.decided_at = timezone.now()
        item.decision_reason = reason
        item.save()
        obj = item.content_object
        if obj is not None:
            registry.adapter_for(obj).set_visible(obj, status == ReviewItem.Status.APPROVED)
    return item


def review_approve(*, item: ReviewItem, moderator: User) -> ReviewItem:
    return _decide(item, moderator=moderator, status=ReviewItem.Status.APPROVED, reason="")


def review_reject(*, item: ReviewItem, moderator: User, reason: str) -> ReviewItem:
    if not reason.strip():
        raise ValidationError(_("Tell the author why: a reason is required to reject."))
    return _decide(item, moderator=moderator, status=ReviewItem.Status.REJECTED, reason=reason)
