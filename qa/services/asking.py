"""Asking: the charge into escrow, screening, and sending the question to the expert.

Moderation: a question is screened BEFORE it reaches the expert and in the same
transaction as the charge. Refused: the transaction rolls back, nothing is charged.
Held: the money waits in escrow, the question is hidden and the expert is not told
(no deadline runs) until a moderator approves; a rejection refunds in full.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core import events
from core.money import format_money
from core.refusals import Conflict, Refused
from moderation.services import content_screen
from payments import services as payment_services
from qa.events import QuestionAsked
from qa.models import ExpertSettings, Question, Quote
from qa.services.escrow import question_hold
from qa.services.notify import excerpt, notify
from qa.services.quotes import expert_terms, price_for, text_digest, validate_question
from qa.services.settling import moderation_decide

Status = Question.Status


@transaction.atomic
def question_ask(*, asker: User, quote_id: int, coupon_code: str = "") -> Question:
    """Charge the quoted price into escrow and send the question (after screening).

    Refuses, charging nothing, if the quote is not the asker's, has expired, or the
    price is no longer what the quote says; and if the wallet does not hold enough.
    Asking twice with the same quote returns the first question. A coupon code
    (the expert's "paid questions to me", or a staff one) lowers what the asker pays.
    """
    # One ask at a time per asker: two identical questions sent at the same instant
    # (two tabs, two quotes) would otherwise both pass the duplicate check below.
    User.objects.select_for_update().filter(pk=asker.pk).first()
    quote = Quote.objects.select_for_update().filter(pk=quote_id, asker=asker).first()
    if quote is None:
        raise Refused({"quote": _("This quote does not exist. Get a new quote.")})
    existing = Question.objects.filter(quote=quote).first()
    if existing is not None:
        return existing
    if quote.expires_at < timezone.now():
        raise Conflict(_("This quote has expired. Get a new quote to see today's price."))
    expert = quote.expert
    terms = expert_terms(expert)
    text = validate_question(
        asker=asker, expert=expert, text=quote.text, difficulty=quote.difficulty
    )
    price = price_for(expert=expert, terms=terms, difficulty=quote.difficulty, text=text)
    if (price.amount, price.currency) != (quote.amount, quote.currency):
        raise Conflict(
            _(
                "The price changed since your quote (%(old)s, now %(new)s). "
                "Nothing was charged: get a new quote."
            )
            % {
                "old": format_money(quote.amount, quote.currency),
                "new": format_money(price.amount, price.currency),
            },
            code="price_changed",
        )
    redemption = None
    if coupon_code:
        redemption = payment_services.coupon_redeem(
            code=coupon_code,
            user=asker,
            target=payment_services.CouponTarget(
                amount=quote.amount,
                currency=quote.currency,
                seller=expert,
                scopes=(("questions", 0),),
            ),
            reference=f"qa.quote:{quote.pk}",
        )
    discount = redemption.discount if redemption else 0
    question = Question.objects.create(
        asker=asker,
        expert=expert,
        quote=quote,
        text=text,
        text_digest=text_digest(text),
        difficulty=quote.difficulty,
        is_public=quote.is_public,
        amount=quote.amount - discount,
        currency=quote.currency,
        status=Status.SCREENING,
    )
    platform_pays = redemption is not None and redemption.bearer == "platform"
    question_hold(
        asker=asker, question=question, expert=expert, subsidy=discount if platform_pays else 0
    )
    # Refused: raises, and the charge above rolls back with everything else.
    content_screen(obj=question)
    question.refresh_from_db()
    _engaged(asker, question)
    return question


def _engaged(user: User, question: Question) -> None:
    """A paid question is a strong signal of interest in the expert's channel."""
    profile = getattr(question.expert, "creator_profile", None)
    channel = profile.channels.order_by("pk").first() if profile else None
    if channel is not None:
        events.send_on_commit(events.Engaged.about(user_id=user.pk, kind="question", obj=channel))


def _send_to_expert(question: Question) -> None:
    """Caller holds the lock on the question; it becomes OPEN with its deadline."""
    terms = ExpertSettings.objects.filter(user=question.expert).first()
    hours = terms.answer_hours if terms else settings.QA_DEFAULT_ANSWER_HOURS
    now = timezone.now()
    deadline = now + timedelta(hours=hours)
    question.status = Status.OPEN
    question.sent_at = now
    question.deadline = deadline
    question.save(update_fields=["status", "sent_at", "deadline"])
    events.send_on_commit(
        QuestionAsked(
            question_id=question.pk,
            asker_id=question.asker_id,
            expert_id=question.expert_id,
            amount=question.amount,
            currency=question.currency,
        )
    )
    notify(
        question.expert,
        key=f"qa:received:{question.pk}",
        text=lambda: (
            _("New paid question (%(price)s, answer by %(deadline)s): %(text)s")
            % {
                "price": format_money(question.amount, question.currency),
                "deadline": deadline.strftime("%Y-%m-%d %H:%M UTC"),
                "text": excerpt(question.text),
            }
        ),
        url=reverse("qa:answer", args=[question.pk]),
    )


def question_set_visible(question: Question, visible: bool) -> None:
    """Moderation's switch for questions (see the module docstring for the money)."""
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        question.is_visible = visible
        question.save(update_fields=["is_visible"])
        moderation_decide(
            question,
            visible,
            screening=Status.SCREENING,
            held=Status.HELD,
            approve=lambda: _send_to_expert(question),
            rejected=gettext_noop(
                "Your question was not accepted by moderation; %(price)s is back in your wallet."
            ),
        )
