"""After the answer: the asker's rating, and unlocks by other readers."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.money import format_money
from core.refusals import Conflict, Refused
from payments import services as payment_services
from qa.events import AnswerRated
from qa.models import ExpertSettings, Question, Unlock
from qa.services.notify import excerpt, notify
from qa.services.quotes import bump_index_version
from qa.services.settling import locked

Status = Question.Status


@transaction.atomic
def question_rate(*, asker: User, question_id: int, rating: int, comment: str = "") -> Question:
    question = locked(question_id)
    if question.asker_id != asker.pk:
        raise PermissionDenied(_("Only the person who asked can rate the answer."))
    if question.status != Status.ANSWERED:
        raise Conflict(_("Only an answered question can be rated."))
    if question.rating is not None:
        raise Conflict(_("You already rated this answer."))
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5 stars.")})
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationError({"comment": _("Keep the comment under 1000 characters.")})
    question.rating = rating
    question.rating_comment = comment
    question.rated_at = timezone.now()
    question.save(update_fields=["rating", "rating_comment", "rated_at"])
    ExpertSettings.objects.filter(user=question.expert).update(
        rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating
    )
    bump_index_version()
    events.send_on_commit(
        AnswerRated(question_id=question.pk, asker_id=question.asker_id, rating=rating)
    )
    return question


@transaction.atomic
def answer_unlock(*, user: User, question_id: int) -> Unlock:
    """Pay the unlock fee to read a public answer; split expert / asker after the fee."""
    question = Question.objects.select_related("answer").get(pk=question_id)
    if user.pk in (question.asker_id, question.expert_id):
        raise Conflict(_("You can already read this answer; there is nothing to unlock."))
    answer = getattr(question, "answer", None)
    if (
        question.status != Status.ANSWERED
        or not question.is_public
        or not question.is_visible
        or answer is None
        or not answer.is_visible
    ):
        raise Refused(_("This answer is not public, so it cannot be unlocked."))
    if Unlock.objects.filter(question=question, user=user).exists():
        raise Conflict(_("You already unlocked this answer."))
    currency = question.currency
    price = settings.QA_UNLOCK_PRICE
    split = payment_services.payment_split(
        payer=user,
        amount=price,
        currency=currency,
        income="question_unlock",
        earner=question.expert,
        sharer=question.asker,
        earner_share_bps=settings.QA_UNLOCK_EXPERT_SHARE_BPS,
        key=f"qa:unlock:{question.pk}:{user.pk}",
        reference=("qa.question", str(question.pk)),
        memo=f"Unlock of question #{question.pk}",
        short_message=_(
            "Your wallet does not hold enough to unlock this answer. %(detail)s Top up first."
        ),
    )
    try:
        with transaction.atomic():
            unlock = Unlock.objects.create(
                question=question,
                user=user,
                amount=price,
                currency=currency,
                fee=split.fee,
                expert_share=split.earner_share,
                asker_share=split.sharer_share,
            )
    except IntegrityError:
        raise Conflict(_("You already unlocked this answer.")) from None
    notify(
        question.expert,
        key=f"qa:unlocked:{question.pk}:{user.pk}",
        text=lambda: (
            _("Someone unlocked your answer (you earn %(share)s): %(text)s")
            % {
                "share": format_money(split.earner_share, currency),
                "text": excerpt(question.text),
            }
        ),
        url=question.get_absolute_url(),
    )
    return unlock
