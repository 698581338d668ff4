"""A paid question's money, through payments' one escrow.

- asking: the asker's wallet -> the asker's escrow          hold key  qa:ask:<quote id>
- answer accepted: escrow -> the expert's earnings, minus the "question" fee
- declined, expired, rejected by moderation: escrow -> the asker's wallet
Release and refund share one key, qa:settle:<question id>, so a question's escrow
is settled once, whichever way wins. These keys are the ones qa posted with before
payments owned the escrow, so questions asked earlier settle unchanged.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments import services as payment_services
from qa.models import Question


def _hold_key(question: Question) -> str:
    return f"qa:ask:{question.quote_id}"


def _settle_key(question: Question) -> str:
    return f"qa:settle:{question.pk}"


def question_hold(*, asker: User, question: Question, expert: User, subsidy: int = 0) -> None:
    """Charge the question's price into escrow (ValidationError if the wallet is short);
    `subsidy` is the part a staff coupon pays for the asker."""
    payment_services.escrow_hold(
        payer=asker,
        amount=question.amount,
        subsidy=subsidy,
        currency=question.currency,
        key=_hold_key(question),
        reference=("qa.question", str(question.pk)),
        memo=f"Question #{question.pk} to {expert.email}",
        short_message=_(
            "Your wallet does not hold enough for this question. %(detail)s Top up first."
        ),
        short_field=None,
    )


def question_refund(question: Question, *, status: str) -> None:
    """Caller holds the lock; the question is unsettled. Escrow back to the wallet."""
    payment_services.escrow_refund(
        hold_key=_hold_key(question),
        key=_settle_key(question),
        memo=f"Refund of question #{question.pk}",
    )
    question.status = status
    question.settled_at = timezone.now()
    question.save(update_fields=["status", "settled_at"])


def question_release(question: Question) -> None:
    """Caller holds the lock; the answer is accepted. Escrow to the expert, minus fee."""
    moved = payment_services.escrow_release(
        hold_key=_hold_key(question),
        payee=question.expert,
        income="question",
        key=_settle_key(question),
        memo=f"Answer to question #{question.pk}",
    )
    question.status = Question.Status.ANSWERED
    question.fee = moved.fee
    question.settled_at = timezone.now()
    question.save(update_fields=["status", "fee", "settled_at"])
