"""Every moderation write: screening, the review queue, reports, appeals, sanctions,
expert verification. Each decision leaves a ModerationAction (the audit trail)."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notification_send, sessions_end
from moderation import registry
from moderation.models import (
    ExpertVerification,
    ModerationAction,
    Report,
    ReviewItem,
    Sanction,
    VerificationDocument,
)
from moderation.screening import HOLD, REFUSE, Verdict, text_screen
from moderation.signals import sanction_imposed

EXCERPT_LENGTH = 300


def _setting(name: str, default):
    return getattr(settings, name, default)


def _audit(kind: str, *, actor=None, item=None, sanction=None, verification=None,
           target_user=None, reason: str = "") -> ModerationAction:  # fmt: skip
    return ModerationAction.objects.create(
        kind=kind,
        actor=actor,
        item=item,
        sanction=sanction,
        verification=verification,
        target_user=target_user,
        reason=reason,
    )


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


def _item_for(obj, *, lock: bool = False) -> ReviewItem | None:
    qs = ReviewItem.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _open_item(obj) -> ReviewItem | None:
    item = _item_for(obj, lock=True)
    return item if item is not None and item.is_open else None


def _when(moment) -> str:
    if moment is None:
        return _("until a moderator lifts it")
    return _("until %(when)s") % {
        "when": formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    }


def _check_not_muted(obj, author) -> None:
    from moderation.selectors import user_sanction

    adapter = registry.adapter_for(obj)
    channel = adapter.channel(obj) if adapter.channel else None
    sanction = user_sanction(user=author, channel=channel)
    if sanction is not None:
        raise ValidationError(
            _("You can't post right now (%(kind)s, %(until)s): %(reason)s")
            % {
                "kind": sanction.get_kind_display(),
                "until": _when(sanction.expires_at),
                "reason": sanction.reason,
            }
        )


def fields_screen(fields: dict[str, str]) -> None:
    """Screen short public texts that are shown without review (profile names and
    bios, tier names and benefits, tags): what screening would refuse or hold is
    refused, field by field, with the reason for the author. Raises ValidationError."""
    errors = {}
    for field, text in fields.items():
        if not (text or "").strip():
            continue
        verdict = text_screen(text)
        if verdict.decision == REFUSE:
            errors[field] = verdict.message
        elif verdict.decision == HOLD:
            errors[field] = _(
                "This is shown without review, so it cannot contain contact details, "
                "payment outside the platform, many links or a watched word. "
                "Please remove them."
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def content_screen(*, obj, review_reason: str = "") -> Verdict:
    """Screen new or edited content (already saved) and show, hold or refuse it.

    Call it inside the service that saves `obj`, after the save:
    - refuse (or the author is muted/banned here): raises ValidationError with the
      reason for the author, so the caller's transaction rolls back;
    - hold (or `review_reason` given, e.g. an unverified creator's new course): the
      content is hidden and waits in the review queue;
    - publish: the content is shown, unless it already waits for a decision or a
      moderator rejected it (an edit of rejected content goes back to the queue).
    """
    adapter = registry.adapter_for(obj)
    author = adapter.author(obj)
    _check_not_muted(obj, author)
    ref = f"{obj._meta.label_lower}:{obj.pk}"
    verdict = text_screen(adapter.text(obj), author=author, ref=ref, long_form=adapter.long_form)
    if verdict.decision == REFUSE:
        raise ValidationError(verdict.message)
    existing = _item_for(obj, lock=True)
    if (
        not review_reason
        and verdict.decision != HOLD
        and existing is not None
        and existing.status == ReviewItem.Status.REJECTED
    ):
        review_reason = _("Edited after a moderator rejected it")
    if verdict.decision == HOLD or review_reason:
        reasons = list(verdict.reasons) + ([review_reason] if review_reason else [])
        source = (
            ReviewItem.Source.SCREENING
            if verdict.decision == HOLD
            else ReviewItem.Source.CREATOR_REVIEW
        )
        item = _review_open(obj, source=source, reasons=reasons)
        _audit(ModerationAction.Kind.HOLD, item=item, target_user=author, reason="; ".join(reasons))
        adapter.set_visible(obj, False)
        return Verdict(
            HOLD,
            tuple(reasons),
            verdict.message or _("A moderator will look at this before it is shown."),
        )
    if existing is None or not existing.is_open:
        adapter.set_visible(obj, True)
    return verdict


def review_required(obj) -> bool:
    """True when `obj` was never approved by a moderator (creator rules)."""
    item = _item_for(obj)
    return item is None or item.status != ReviewItem.Status.APPROVED


def creator_content_screen(*, obj, creator_user: User) -> Verdict:
    """Creator rules: a new channel, course or live session of a creator who is not
    a verified expert waits for a moderator before it is public (setting
    MODERATION_REVIEW_UNVERIFIED_CREATORS); verified experts publish directly. Both
    are screened, and once a moderator approved it, edits are only screened."""
    from moderation.selectors import expert_is_verified

    reason = ""
    if (
        _setting("MODERATION_REVIEW_UNVERIFIED_CREATORS", True)
        and not expert_is_verified(creator_user)
        and review_required(obj)
    ):
        reason = _("New content of a creator who is not a verified expert")
    return content_screen(obj=obj, review_reason=reason)


# --- the review queue -----------------------------------------------------------


def _reporters_tell(item: ReviewItem, *, upheld: bool) -> None:
    reports = Report.objects.filter(
        content_type_id=item.content_type_id, object_id=item.object_id, outcome=Report.Outcome.OPEN
    ).select_related("reporter")
    text = (
        _("Thank you: the content you reported was removed.")
        if upheld
        else _("We looked at the content you reported and it stays up.")
    )
    for report in reports:
        notification_send(
            user=report.reporter,
            key=f"moderation:report:{report.pk}:decided",
            text=text,
        )
    reports.update(outcome=Report.Outcome.UPHELD if upheld else Report.Outcome.DISMISSED)


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
        approved = status == ReviewItem.Status.APPROVED
        obj = item.content_object
        if obj is not None:
            registry.adapter_for(obj).set_visible(obj, approved)
        _audit(
            ModerationAction.Kind.APPROVE if approved else ModerationAction.Kind.REJECT,
            actor=moderator,
            item=item,
            target_user=item.author,
            reason=reason,
        )
        _reporters_tell(item, upheld=not approved)
        if item.author is not None:
            if approved:
                if item.source != ReviewItem.Source.REPORTS:
                    notification_send(
                        user=item.author,
                        key=f"moderation:item:{item.pk}:approved:{item.decided_at.timestamp()}",
                        text=_("A moderator approved your content: “%(excerpt)s”.")
                        % {"excerpt": item.excerpt[:80]},
                        url=_safe_url(obj),
                    )
            else:
                notification_send(
                    user=item.author,
                    key=f"moderation:item:{item.pk}:rejected:{item.decided_at.timestamp()}",
                    text=_("A moderator rejected your content “%(excerpt)s”: %(reason)s")
                    % {"excerpt": item.excerpt[:80], "reason": reason},
                    url=reverse("moderation:appeal", kwargs={"pk": item.pk}),
                )
    return item


def _safe_url(obj) -> str:
    if obj is None:
        return ""
    try:
        return registry.adapter_for(obj).url(obj)
    except Exception:  # noqa: BLE001 - a broken link must not block a decision
        return ""


def review_approve(*, item: ReviewItem, moderator: User) -> ReviewItem:
    return _decide(item, moderator=moderator, status=ReviewItem.Status.APPROVED, reason="")


def review_reject(*, item: ReviewItem, moderator: User, reason: str) -> ReviewItem:
    if not (reason or "").strip():
        raise ValidationError(_("Tell the author why: a reason is required to reject."))
    return _decide(
        item, moderator=moderator, status=ReviewItem.Status.REJECTED, reason=reason.strip()
    )


@transaction.atomic
def review_escalate(*, item: ReviewItem, moderator: User, reason: str = "") -> ReviewItem:
    """Ask a senior moderator: the item stays hidden and open, marked escalated."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_open:
        raise ValidationError(
            _("Someone else already decided this item (%(status)s).")
            % {"status": item.get_status_display()}
        )
    if item.status == ReviewItem.Status.ESCALATED:
        raise ValidationError(_("This item is already escalated."))
    item.status = ReviewItem.Status.ESCALATED
    item.save(update_fields=["status", "updated_at"])
    _audit(ModerationAction.Kind.ESCALATE, actor=moderator, item=item, reason=reason)
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
    _audit(ModerationAction.Kind.APPEAL, actor=user, item=item, target_user=user, reason=text)
    return item


# --- reports --------------------------------------------------------------------


def reporter_trust(user: User) -> float:
    """How much one report of `user` weighs, between 0.1 and 2.0.

        weight = age × email × record
        age    = 0.5 + 0.5 × min(1, account age in days / 30)   (new accounts: 0.5)
        email  = 1.0 with a verified email address, else 0.6
        record = 2 × (upheld + 1) / (upheld + dismissed + 2)    (no history: 1.0)

    A 30-day-old account with a verified email and no history weighs 1.0; accounts
    whose reports keep being dismissed weigh less and less, good reporters up to 2.
    """
    from allauth.account.models import EmailAddress

    days = (timezone.now() - user.date_joined).total_seconds() / 86400
    age = 0.5 + 0.5 * min(1.0, max(days, 0) / 30)
    email = 1.0 if EmailAddress.objects.filter(user=user, verified=True).exists() else 0.6
    past = Report.objects.filter(reporter=user)
    upheld = past.filter(outcome=Report.Outcome.UPHELD).count()
    dismissed = past.filter(outcome=Report.Outcome.DISMISSED).count()
    record = 2 * (upheld + 1) / (upheld + dismissed + 2)
    return round(min(2.0, max(0.1, age * email * record)), 3)


def report_submit(*, reporter: User, obj, reason: str) -> Report:
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
    from moderation.selectors import content_held

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


def _reports_weigh(obj, *, content_type) -> None:
    open_reports = Report.objects.filter(
        content_type=content_type, object_id=obj.pk, outcome=Report.Outcome.OPEN
    )
    weight = sum(open_reports.values_list("weight", flat=True))
    item = _item_for(obj, lock=True)
    if item is not None and item.is_open:
        item.report_weight = weight
        item.save(update_fields=["report_weight", "updated_at"])
        return
    threshold = _setting("MODERATION_REPORT_THRESHOLD", 3.0)
    if weight < threshold:
        return
    reasons = [f"report: {r}"[:200] for r in open_reports.values_list("reason", flat=True)[:5]]
    item = _review_open(obj, source=ReviewItem.Source.REPORTS, reasons=reasons)
    item.report_weight = weight
    item.save(update_fields=["report_weight"])
    registry.adapter_for(obj).set_visible(obj, False)
    _audit(
        ModerationAction.Kind.REPORTS_HIDE,
        item=item,
        target_user=item.author,
        reason=_("Reports weighing %(weight).1f reached the threshold %(threshold).1f")
        % {"weight": weight, "threshold": threshold},
    )


# --- sanctions ------------------------------------------------------------------


@transaction.atomic
def sanction_impose(
    *,
    user: User,
    kind: str,
    reason: str,
    moderator: User | None,
    channel=None,
    expires_at: dt.datetime | None = None,
    duration: dt.timedelta | None = None,
) -> Sanction:
    """Mute (no posting) or ban (no login) `user`, site-wide or in `channel`.

    A site-wide ban ends the user's sessions; `sanction_imposed` is sent on commit
    (live rooms close the user's sockets).
    """
    if kind not in Sanction.Kind.values:
        raise ValidationError(_("Choose mute or ban."))
    reason = (reason or "").strip()
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
    if duration is not None:
        expires_at = timezone.now() + duration
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."))
    sanction = Sanction.objects.create(
        user=user,
        kind=kind,
        channel=channel,
        reason=reason,
        expires_at=expires_at,
        created_by=moderator,
    )
    _audit(
        ModerationAction.Kind.SANCTION,
        actor=moderator,
        sanction=sanction,
        target_user=user,
        reason=f"{sanction}: {reason}",
    )
    if kind == Sanction.Kind.BAN and channel is None:
        from moderation.middleware import ban_cache_set

        sessions_end(user=user)
        transaction.on_commit(lambda: ban_cache_set(sanction))
    notification_send(
        user=user,
        key=f"moderation:sanction:{sanction.pk}",
        text=_("%(kind)s %(until)s: %(reason)s")
        % {"kind": sanction.get_kind_display(), "until": _when(expires_at), "reason": reason},
    )
    transaction.on_commit(lambda: sanction_imposed.send(sender=Sanction, sanction=sanction))
    return sanction


@transaction.atomic
def sanction_lift(*, sanction: Sanction, moderator: User, reason: str = "") -> Sanction:
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.lifted_at is None:
        sanction.lifted_at = timezone.now()
        sanction.save(update_fields=["lifted_at"])
        _audit(
            ModerationAction.Kind.SANCTION_LIFT,
            actor=moderator,
            sanction=sanction,
            target_user=sanction.user,
            reason=reason,
        )
        from moderation.middleware import ban_cache_drop

        user_id = sanction.user_id
        transaction.on_commit(lambda: ban_cache_drop(user_id))
    return sanction


# --- expert verification --------------------------------------------------------

_SIGNATURES = (
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
)


def document_sniff(upload) -> str:
    """The real type of an uploaded document (PDF, PNG or JPEG), read from its first
    bytes; anything else (HTML or SVG renamed .png...) raises ValidationError."""
    limit = _setting("MODERATION_VERIFICATION_MAX_BYTES", 5 * 1024 * 1024)
    name = upload.name or ""
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is too large (at most %(max)d MB).")
            % {"name": name, "max": limit // (1024 * 1024) or 1}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for magic, mime, extensions in _SIGNATURES:
        if head.startswith(magic):
            if extension not in extensions:
                break
            return mime
    raise ValidationError(
        _("%(name)s is not a PDF, PNG or JPEG file (checked by its content).") % {"name": name}
    )


@transaction.atomic
def verification_apply(
    *, user: User, credentials: str, documents: Iterable = ()
) -> ExpertVerification:
    from marketplace.models import CreatorProfile

    profile = CreatorProfile.objects.filter(user=user).first()
    if profile is None:
        raise ValidationError(_("Become a creator first, then apply for verification."))
    if profile.is_verified:
        raise ValidationError(_("You are already a verified expert."))
    if ExpertVerification.objects.filter(
        user=user, status=ExpertVerification.Status.PENDING
    ).exists():
        raise ValidationError(_("Your application is already waiting for a moderator."))
    credentials = (credentials or "").strip()
    if not credentials:
        raise ValidationError(_("Describe your credentials."))
    documents = list(documents)
    if len(documents) > _setting("MODERATION_VERIFICATION_MAX_FILES", 5):
        raise ValidationError(_("Too many documents."))
    sniffed = [(doc, document_sniff(doc)) for doc in documents]  # all checked before saving
    verification = ExpertVerification(user=user, credentials=credentials)
    verification.full_clean()
    verification.save()
    for doc, mime in sniffed:
        VerificationDocument.objects.create(
            verification=verification, file=doc, content_type=mime, size=doc.size
        )
    return verification


def _verification_decide(
    *, verification: ExpertVerification, moderator: User, approve: bool, reason: str
) -> ExpertVerification:
    from marketplace.models import CreatorProfile

    with transaction.atomic():
        verification = ExpertVerification.objects.select_for_update().get(pk=verification.pk)
        if verification.status != ExpertVerification.Status.PENDING:
            raise ValidationError(
                _("Someone else already decided this application (%(status)s).")
                % {"status": verification.get_status_display()}
            )
        verification.status = (
            ExpertVerification.Status.APPROVED if approve else ExpertVerification.Status.REJECTED
        )
        verification.decided_by = moderator
        verification.decided_at = timezone.now()
        verification.decision_reason = reason
        verification.save()
        if approve:
            CreatorProfile.objects.filter(user=verification.user).update(is_verified=True)
        _audit(
            ModerationAction.Kind.VERIFY_APPROVE
            if approve
            else ModerationAction.Kind.VERIFY_REJECT,
            actor=moderator,
            verification=verification,
            target_user=verification.user,
            reason=reason,
        )
        notification_send(
            user=verification.user,
            key=f"moderation:verification:{verification.pk}",
            text=_("You are now a verified expert.")
            if approve
            else _("Your verification application was not accepted: %(reason)s")
            % {"reason": reason},
            url=reverse("moderation:verification"),
        )
    return verification


def verification_approve(*, verification: ExpertVerification, moderator: User):
    return _verification_decide(
        verification=verification, moderator=moderator, approve=True, reason=""
    )


def verification_reject(*, verification: ExpertVerification, moderator: User, reason: str):
    if not (reason or "").strip():
        raise ValidationError(_("Tell the applicant why: a reason is required to reject."))
    return _verification_decide(
        verification=verification, moderator=moderator, approve=False, reason=reason.strip()
    )
