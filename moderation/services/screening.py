"""Screening what users publish: short texts shown without review, and content that
is shown, held for a moderator or refused (the rules live in moderation.screening)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from accounts.models import User
from moderation import registry
from moderation.models import ModerationAction, ReviewItem
from moderation.scoring import Score, text_score
from moderation.screening import HOLD, REFUSE, Verdict, text_screen
from moderation.selectors import expert_is_verified, user_sanction
from moderation.services._shared import audit, item_for, review_open, setting


def _check_not_muted(obj: Model, author: User | None) -> None:
    adapter = registry.adapter_for(obj)
    channel = adapter.channel(obj) if adapter.channel else None
    sanction = user_sanction(user=author, channel=channel)
    if sanction is not None:
        raise ValidationError(
            _("You can't post right now (%(kind)s, %(until)s): %(reason)s")
            % {
                "kind": sanction.get_kind_display(),
                "until": sanction.until,
                "reason": sanction.reason,
            }
        )


def fields_screen(fields: dict[str, str]) -> None:
    """Screen short public texts that are shown without review (profile names and
    bios, tier names and benefits, tags): what screening would refuse or hold is
    refused, field by field, with the reason for the author. Raises ValidationError.

    Installed as `core.screening.fields_screen` for the apps below moderation."""
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


def classifier_verdict(verdict: Verdict, score: Score | None) -> Verdict:
    """The rules' verdict, turned into a hold when the classifier's score reaches the
    hold threshold. The score never refuses: at worst a moderator looks."""
    if score is None or not score.hold or verdict.decision == REFUSE:
        return verdict
    if verdict.decision == HOLD:
        return Verdict(HOLD, (*verdict.reasons, score.reason), verdict.message)
    return Verdict(HOLD, (score.reason,), _("A moderator will look at this before it is shown."))


@transaction.atomic
def content_screen(*, obj: Model, review_reason: str = "") -> Verdict:
    """Screen new or edited content (already saved) and show, hold or refuse it.

    Call it inside the service that saves `obj`, after the save:
    - refuse (or the author is muted/banned here): raises ValidationError with the
      reason for the author, so the caller's transaction rolls back;
    - hold (or `review_reason` given, e.g. an unverified creator's new course, or
      the classifier's score at or above the kind's hold threshold): the content is
      hidden and waits in the review queue, with the score and its weightiest words;
    - publish: the content is shown, unless it already waits for a decision or a
      moderator rejected it (an edit of rejected content goes back to the queue).
    """
    adapter = registry.adapter_for(obj)
    author = adapter.author(obj)
    _check_not_muted(obj, author)
    ref = f"{obj._meta.label_lower}:{obj.pk}"
    text = adapter.text(obj)
    verdict = text_screen(text, author=author, ref=ref, long_form=adapter.long_form)
    if verdict.decision == REFUSE:
        raise ValidationError(verdict.message)
    score = text_score(text, kind=adapter.kind)
    verdict = classifier_verdict(verdict, score)
    existing = item_for(obj, lock=True)
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
        item = review_open(
            obj,
            source=source,
            reasons=reasons,
            score=score.value if score else None,
            score_words=list(score.words) if score else None,
        )
        audit(ModerationAction.Kind.HOLD, item=item, target_user=author, reason="; ".join(reasons))
        adapter.set_visible(obj, False)
        return Verdict(
            HOLD,
            tuple(reasons),
            verdict.message or _("A moderator will look at this before it is shown."),
        )
    if existing is None or not existing.is_open:
        adapter.set_visible(obj, True)
    return verdict


def review_required(obj: Model) -> bool:
    """True when `obj` was never approved by a moderator (creator rules)."""
    item = item_for(obj)
    return item is None or item.status != ReviewItem.Status.APPROVED


def creator_content_screen(*, obj: Model, creator_user: User) -> Verdict:
    """Creator rules: a new channel, course or live session of a creator who is not
    a verified expert waits for a moderator before it is public (setting
    MODERATION_REVIEW_UNVERIFIED_CREATORS); verified experts publish directly. Both
    are screened, and once a moderator approved it, edits are only screened."""
    reason = ""
    if (
        setting("MODERATION_REVIEW_UNVERIFIED_CREATORS", True)
        and not expert_is_verified(creator_user)
        and review_required(obj)
    ):
        reason = _("New content of a creator who is not a verified expert")
    return content_screen(obj=obj, review_reason=reason)


@transaction.atomic
def content_hold(*, obj: Model, score: Score) -> ReviewItem:
    """Put `obj` (already saved, and kept from view by its app, e.g. live chat held
    from broadcast) in the review queue because the classifier's score reached the
    hold threshold."""
    item = review_open(
        obj,
        source=ReviewItem.Source.SCREENING,
        reasons=[score.reason],
        score=score.value,
        score_words=list(score.words),
    )
    audit(
        ModerationAction.Kind.HOLD,
        item=item,
        target_user=registry.adapter_for(obj).author(obj),
        reason=score.reason,
    )
    return item
