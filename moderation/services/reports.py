"""Users report content; reports weigh by the reporter's record, and past a threshold
the content is hidden until a moderator decides."""

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from moderation import registry
from moderation.models import ModerationAction, Report, ReviewItem
from moderation.selectors import content_held
from moderation.services._shared import audit, item_for, review_open, setting


def reporter_trust(user: User) -> float:
    """How much one report of `user` weighs, between 0.1 and 2.0.

        weight = age × email × record
        age    = 0.5 + 0.5 × min(1, account age in days / 30)   (new accounts: 0.5)
        email  = 1.0 with a verified email address, else 0.6
        record = 2 × (upheld + 1) / (upheld + dismissed + 2)    (no history: 1.0)

    A 30-day-old account with a verified email and no history weighs 1.0; accounts
    whose reports keep being dismissed weigh less and less, good reporters up to 2.
    """
    days = (timezone.now() - user.date_joined).total_seconds() / 86400
    age = 0.5 + 0.5 * min(1.0, max(days, 0) / 30)
    email = 1.0 if EmailAddress.objects.filter(user=user, verified=True).exists() else 0.6
    past = Report.objects.filter(reporter=user)
    upheld = past.filter(outcome=Report.Outcome.UPHELD).count()
    dismissed = past.filter(outcome=Report.Outcome.DISMISSED).count()
    record = 2 * (upheld + 1) / (upheld + dismissed + 2)
    return round(min(2.0, max(0.1, age * email * record)), 3)


def report_submit(*, reporter: User, obj: Model, reason: str) -> Report:
    """Report `obj`. Past MODERATION_REPORT_THRESHOLD (sum of open reports' trust
    weights) the content is hidden and a review item opens (source: reports)."""
    adapter = registry.adapter_for(obj)  # LookupError for kinds nobody moderates
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Tell us what is wrong with it."))
    if len(reason) > 1000:
        raise ValidationError(_("Please keep the reason under 1000 characters."))
    author = adapter.author(obj)
    if author is not None and author.pk == reporter.pk:
        raise ValidationError(_("You can't report your own content."))
    if adapter.readable_by is not None and not adapter.readable_by(obj, reporter):
        raise ValidationError(_("You can only report what you can read."))
    if content_held(obj):
        raise ValidationError(
            _("This is already hidden from the public while moderators look at it.")
        )
    content_type = ContentType.objects.get_for_model(obj)
    try:
        with transaction.atomic():
            # One report of an object at a time (a row lock on the object): each one
            # weighs the reports before it, and the threshold is crossed once. A second
            # report by the same user meets the first at the unique constraint below.
            list(type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values("pk"))
            report = Report.objects.create(
                content_type=content_type,
                object_id=obj.pk,
                reporter=reporter,
                reason=reason,
                weight=reporter_trust(reporter),
            )
            _reports_weigh(obj, content_type=content_type)
    except IntegrityError:
        raise ValidationError(_("You already reported this. Moderators will look at it.")) from None
    return report


def _reports_weigh(obj: Model, *, content_type: ContentType) -> None:
    """Every report puts the object in the review queue (under "Reported", with the
    reports' count and reasons); past the threshold it is also hidden meanwhile."""
    open_reports = Report.objects.filter(
        content_type=content_type, object_id=obj.pk, outcome=Report.Outcome.OPEN
    )
    weight = sum(open_reports.values_list("weight", flat=True))
    report_reasons = [
        f"report: {r}"[:200] for r in open_reports.values_list("reason", flat=True)[:5]
    ]
    threshold = setting("MODERATION_REPORT_THRESHOLD", 3.0)
    item = item_for(obj, lock=True)
    if item is not None and item.is_open:
        # Already waiting (held by screening, appealed, or reported before): the
        # reports join its reasons.
        kept = [r for r in item.reasons if not r.startswith("report: ")]
        item.reasons = kept + report_reasons
    else:
        item = review_open(
            obj, source=ReviewItem.Source.REPORTS, reasons=report_reasons, hiding=False
        )
    item.report_weight = weight
    hide = weight >= threshold and not item.hiding
    if hide:
        item.hiding = True
    item.save(update_fields=["reasons", "report_weight", "hiding", "updated_at"])
    if not hide:
        return
    registry.adapter_for(obj).set_visible(obj, False)
    audit(
        ModerationAction.Kind.REPORTS_HIDE,
        item=item,
        target_user=item.author,
        reason=_("Reports weighing %(weight).1f reached the threshold %(threshold).1f")
        % {"weight": weight, "threshold": threshold},
    )
