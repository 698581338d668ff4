"""The review queue: moderators approve, reject or escalate what waits for them;
authors appeal a rejection once."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import email_send_on_commit, in_language_of, notification_send
from moderation import registry
from moderation.models import ModerationAction, Report, ReviewItem
from moderation.selectors import content_url
from moderation.services._shared import audit, decision_record


def _reporters_tell(item: ReviewItem, *, upheld: bool) -> None:
    """Each reporter hears the outcome, in the inbox and by email (on commit), in
    their own language."""
    reports = Report.objects.filter(
        content_type_id=item.content_type_id, object_id=item.object_id, outcome=Report.Outcome.OPEN
    ).select_related("reporter")
    for report in reports:
        reporter = report.reporter
        with in_language_of(reporter):
            text = (
                _("Thank you: the content you reported was removed.")
                if upheld
                else _("We looked at the content you reported and it stays up.")
            )
            subject = _("The outcome of your report")
        if notification_send(
            user=reporter, key=f"moderation:report:{report.pk}:decided", text=text
        ):
            email_send_on_commit(
                message=EmailMessage(
                    subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
                    body=f"{text}\n\n“{item.excerpt[:200]}”",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[reporter.email],
                )
            )
    reports.update(outcome=Report.Outcome.UPHELD if upheld else Report.Outcome.DISMISSED)


def _item_lock_open(item: ReviewItem) -> ReviewItem:
    """The item, row-locked, if nobody decided it meanwhile. Caller is in a
    transaction."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_open:
        raise ValidationError(
            _("Someone else already decided this item (%(status)s).")
            % {"status": item.get_status_display()}
        )
    return item


def _author_tell(item: ReviewItem, *, approved: bool, obj: Model | None) -> None:
    if item.author is None or item.decided_at is None:
        return
    stamp = item.decided_at.timestamp()
    if not approved:
        notification_send(
            user=item.author,
            key=f"moderation:item:{item.pk}:rejected:{stamp}",
            text=_("A moderator rejected your content “%(excerpt)s”: %(reason)s")
            % {"excerpt": item.excerpt[:80], "reason": item.decision_reason},
            url=reverse("moderation:appeal", kwargs={"pk": item.pk}),
        )
    elif item.source != ReviewItem.Source.REPORTS:
        notification_send(
            user=item.author,
            key=f"moderation:item:{item.pk}:approved:{stamp}",
            text=_("A moderator approved your content: “%(excerpt)s”.")
            % {"excerpt": item.excerpt[:80]},
            url=content_url(obj),
        )


@transaction.atomic
def _decide(item: ReviewItem, *, moderator: User, status: str, reason: str) -> ReviewItem:
    item = _item_lock_open(item)
    decision_record(item, status=status, moderator=moderator, reason=reason)
    approved = status == ReviewItem.Status.APPROVED
    obj = item.content_object
    if obj is not None:
        registry.adapter_for(obj).set_visible(obj, approved)
    audit(
        ModerationAction.Kind.APPROVE if approved else ModerationAction.Kind.REJECT,
        actor=moderator,
        item=item,
        target_user=item.author,
        reason=reason,
    )
    _reporters_tell(item, upheld=not approved)
    _author_tell(item, approved=approved, obj=obj)
    return item


def review_approve(*, item: ReviewItem, moderator: User) -> ReviewItem:
    return _decide(item, moderator=moderator, status=ReviewItem.Status.APPROVED, reason="")


def review_reject(*, item: ReviewItem, moderator: User, reason: str) -> ReviewItem:
    if not (reason or "").strip():
        raise ValidationError(_("Tell the author why: a reason is required to reject."))
    return _decide(
        item, moderator=moderator, status=ReviewItem.Status.REJECTED, reason=reason.strip()
    )


def review_picture(item: ReviewItem) -> str:
    """The URL of the reviewed object's uploaded picture, "" when it has none (or its
    kind has no pictures)."""
    obj = item.content_object
    if obj is None:
        return ""
    adapter = registry.adapter_for(obj)
    return adapter.picture(obj) if adapter.picture is not None else ""


@transaction.atomic
def review_picture_remove(*, item: ReviewItem, moderator: User, reason: str) -> ReviewItem:
    """Remove the reviewed object's picture (the owning app's service: the files leave
    after commit, pages show the placeholder), logged with the reason. The item stays
    as it was: the text may still need a decision."""
    obj = item.content_object
    adapter = registry.adapter_for(obj) if obj is not None else None
    if obj is None or adapter is None or adapter.picture_remove is None or not review_picture(item):
        raise ValidationError(_("This content has no picture to remove."))
    if not (reason or "").strip():
        raise ValidationError(_("Say why: a reason is required to remove a picture."))
    adapter.picture_remove(obj)
    audit(
        ModerationAction.Kind.PICTURE_REMOVE,
        actor=moderator,
        item=item,
        target_user=item.author,
        reason=reason.strip(),
    )
    return item


@transaction.atomic
def review_escalate(*, item: ReviewItem, moderator: User, reason: str = "") -> ReviewItem:
    """Ask a senior moderator: the item stays hidden and open, marked escalated."""
    item = _item_lock_open(item)
    if item.status == ReviewItem.Status.ESCALATED:
        raise ValidationError(_("This item is already escalated."))
    item.status = ReviewItem.Status.ESCALATED
    item.save(update_fields=["status", "updated_at"])
    audit(ModerationAction.Kind.ESCALATE, actor=moderator, item=item, reason=reason)
    return item


@transaction.atomic
def review_appeal(*, item: ReviewItem, user: User, text: str) -> ReviewItem:
    """The author contests a rejection, once: the item goes back to the queue."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.author_id != user.pk:
        raise ValidationError(_("Only the author can appeal this decision."))
    if item.status != ReviewItem.Status.REJECTED:
        raise ValidationError(_("Only a rejection can be appealed."))
    if item.appealed_at is not None:
        raise ValidationError(_("You already appealed this decision; it can be appealed once."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Tell the moderators why the decision should change."))
    item.appealed_at = timezone.now()
    item.status = ReviewItem.Status.PENDING
    item.source = ReviewItem.Source.APPEAL
    item.reasons = [*item.reasons, _("Appeal: %(text)s") % {"text": text[:500]}]
    item.save()
    audit(ModerationAction.Kind.APPEAL, actor=user, item=item, target_user=user, reason=text)
    return item
