"""Every paid-question write: terms, quotes, asking, answering, settling, rating, unlocking.

Money moves only through payments.ledger postings with idempotency keys:

- asking: asker's WALLET -> asker's ESCROW            key qa:ask:<quote id>
- answer: ESCROW -> expert EARNINGS + PLATFORM_REVENUE key qa:settle:<question id>
- decline / deadline / moderation reject: ESCROW -> asker's WALLET (same settle key,
  so a question's escrow is settled once whichever way wins)
- unlock: reader's WALLET -> expert EARNINGS + asker WALLET + PLATFORM_REVENUE
                                                       key qa:unlock:<question>:<user>

Moderation: a question is screened BEFORE it reaches the expert and in the same
transaction as the charge. Refused: the transaction rolls back, nothing is charged.
Held: the money waits in escrow, the question is hidden and the expert is not told
(no deadline runs) until a moderator approves; a rejection refunds in full. An answer
is screened the same way: held, the escrow stays put until approval releases it; a
rejected answer refunds the asker.

Every status change happens under `select_for_update` on the question row, and is
re-checked under the lock, so a concurrent answer and expiry cannot both win.
"""

import hashlib
import os
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core.money import format_money, validate_currency
from moderation.services import content_screen
from payments import ledger
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerTransaction
from payments.services import platform_fee
from qa import pricing
from qa.models import Answer, Difficulty, ExpertSettings, Question, Quote, Unlock

Kind = LedgerAccount.Kind
Status = Question.Status

# Ledger transaction kinds of paid questions.
TX_ASK = LedgerTransaction.Kind.ESCROW_HOLD
TX_RELEASE = LedgerTransaction.Kind.ESCROW_RELEASE
TX_REFUND = LedgerTransaction.Kind.ESCROW_REFUND
TX_UNLOCK = LedgerTransaction.Kind.UNLOCK


def bump_index_version() -> None:
    from qa import matching

    transaction.on_commit(matching.index_version_bump)


# --- expert terms -----------------------------------------------------------------


@transaction.atomic
def expert_settings_update(
    *, user: User, enabled: bool, base_price: int, currency: str, answer_hours: int
) -> ExpertSettings:
    if getattr(user, "creator_profile", None) is None:
        raise ValidationError(_("Only creators can take paid questions: become a creator first."))
    validate_currency(currency)
    if not isinstance(base_price, int) or isinstance(base_price, bool):
        raise ValidationError({"base_price": _("The price is a whole number of minor units.")})
    if not settings.QA_MIN_BASE_PRICE <= base_price <= settings.QA_MAX_BASE_PRICE:
        raise ValidationError(
            {
                "base_price": _("The base price must be between %(min)s and %(max)s.")
                % {
                    "min": format_money(settings.QA_MIN_BASE_PRICE, currency),
                    "max": format_money(settings.QA_MAX_BASE_PRICE, currency),
                }
            }
        )
    if not 1 <= answer_hours <= settings.QA_MAX_ANSWER_HOURS:
        raise ValidationError(
            {
                "answer_hours": _("Answer within 1 to %(max)s hours.")
                % {"max": settings.QA_MAX_ANSWER_HOURS}
            }
        )
    terms, _created = ExpertSettings.objects.select_for_update().get_or_create(user=user)
    terms.enabled = enabled
    terms.base_price = base_price
    terms.currency = currency
    terms.answer_hours = answer_hours
    terms.save(update_fields=["enabled", "base_price", "currency", "answer_hours", "updated_at"])
    bump_index_version()
    return terms


# --- quoting ----------------------------------------------------------------------


def text_digest(text: str) -> str:
    normalised = " ".join(text.split()).casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _validate_question(*, asker: User, expert: User, text: str, difficulty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your question first: it is empty.")})
    if len(text) < settings.QA_QUESTION_MIN_CHARS:
        raise ValidationError(
            {
                "text": _("Say a little more: at least %(n)s characters.")
                % {"n": settings.QA_QUESTION_MIN_CHARS}
            }
        )
    if len(text) > settings.QA_QUESTION_MAX_CHARS:
        raise ValidationError(
            {
                "text": _("Keep the question under %(n)s characters (it has %(len)s).")
                % {"n": settings.QA_QUESTION_MAX_CHARS, "len": len(text)}
            }
        )
    if difficulty not in Difficulty.values:
        raise ValidationError({"difficulty": _("Pick quick, standard or in depth.")})
    if asker.pk == expert.pk:
        raise ValidationError(_("You cannot ask yourself a paid question."))
    since = timezone.now() - timedelta(seconds=settings.QA_DUPLICATE_WINDOW_SECONDS)
    if Question.objects.filter(
        asker=asker, expert=expert, text_digest=text_digest(text), created_at__gte=since
    ).exists():
        raise ValidationError(
            {
                "text": _(
                    "You asked this expert the same question a few minutes ago; "
                    "it is in My questions."
                )
            }
        )
    return text


def _expert_terms(expert: User) -> ExpertSettings:
    terms = ExpertSettings.objects.filter(user=expert, enabled=True).first()
    if terms is None:
        raise ValidationError(_("This expert does not take paid questions at the moment."))
    return terms


def price_for(*, expert: User, terms: ExpertSettings, difficulty: str, text: str):
    standing = pricing.ExpertStanding(
        verified=pricing.expert_is_verified(expert),
        answered_count=terms.answered_count,
        rating_count=terms.rating_count,
        rating_sum=terms.rating_sum,
    )
    return pricing.price_quote(
        base_price=terms.base_price,
        currency=terms.currency,
        standing=standing,
        difficulty=difficulty,
        text=text,
    )


@transaction.atomic
def quote_create(
    *, asker: User, expert: User, text: str, difficulty: str, is_public: bool
) -> Quote:
    """Price a question and store the quote the learner will pay (or not)."""
    terms = _expert_terms(expert)
    text = _validate_question(asker=asker, expert=expert, text=text, difficulty=difficulty)
    price = price_for(expert=expert, terms=terms, difficulty=difficulty, text=text)
    return Quote.objects.create(
        asker=asker,
        expert=expert,
        text=text,
        difficulty=difficulty,
        is_public=is_public,
        amount=price.amount,
        currency=price.currency,
        breakdown=price.lines,
        expires_at=timezone.now() + timedelta(seconds=settings.QA_QUOTE_TTL_SECONDS),
    )


# --- asking -----------------------------------------------------------------------


def _notify(user: User, *, key: str, text, url: str) -> None:
    """In-app notification plus an email, both only if the transaction commits.

    `text` is a function that returns it, called in the recipient's language (not
    the language of whoever caused it). It holds the user's words; the inbox template
    escapes it, and the email is plain text, so nothing here is marked safe.
    """
    from django.core.mail import EmailMessage

    with account_services.in_language_of(user):
        text = text()

    if account_services.notification_send(user=user, key=key, text=text, url=url):
        account_services.email_send_on_commit(
            message=EmailMessage(
                subject=text[:120].replace("\n", " "),
                body=f"{text}\n\n{settings.SITE_URL.rstrip('/')}{url}",
                to=[user.email],
            )
        )


def _excerpt(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@transaction.atomic
def question_ask(*, asker: User, quote_id: int) -> Question:
    """Charge the quoted price into escrow and send the question (after screening).

    Refuses, charging nothing, if the quote is not the asker's, has expired, or the
    price is no longer what the quote says; and if the wallet does not hold enough.
    Asking twice with the same quote returns the first question.
    """
    # One ask at a time per asker: two identical questions sent at the same instant
    # (two tabs, two quotes) would otherwise both pass the duplicate check below.
    User.objects.select_for_update().filter(pk=asker.pk).first()
    quote = Quote.objects.select_for_update().filter(pk=quote_id, asker=asker).first()
    if quote is None:
        raise ValidationError(_("This quote does not exist. Get a new quote."))
    existing = Question.objects.filter(quote=quote).first()
    if existing is not None:
        return existing
    if quote.expires_at < timezone.now():
        raise ValidationError(_("This quote has expired. Get a new quote to see today's price."))
    expert = quote.expert
    terms = _expert_terms(expert)
    text = _validate_question(
        asker=asker, expert=expert, text=quote.text, difficulty=quote.difficulty
    )
    price = price_for(expert=expert, terms=terms, difficulty=quote.difficulty, text=text)
    if (price.amount, price.currency) != (quote.amount, quote.currency):
        raise ValidationError(
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
    question = Question.objects.create(
        asker=asker,
        expert=expert,
        quote=quote,
        text=text,
        text_digest=text_digest(text),
        difficulty=quote.difficulty,
        is_public=quote.is_public,
        amount=quote.amount,
        currency=quote.currency,
        status=Status.SCREENING,
    )
    try:
        ledger.post(
            kind=TX_ASK,
            idempotency_key=f"qa:ask:{quote.pk}",
            reference_type="qa.question",
            reference_id=str(question.pk),
            legs=[
                Leg(
                    ledger.account_get(kind=Kind.WALLET, currency=quote.currency, owner=asker),
                    -quote.amount,
                ),
                Leg(
                    ledger.account_get(kind=Kind.ESCROW, currency=quote.currency, owner=asker),
                    quote.amount,
                ),
            ],
            memo=f"Question #{question.pk} to {expert.email}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            _("Your wallet does not hold enough for this question. %(detail)s Top up first.")
            % {"detail": exc.messages[0]},
            code="insufficient_funds",
        ) from exc
    # Refused: raises, and the charge above rolls back with everything else.
    content_screen(obj=question)
    question.refresh_from_db()
    _recommend_event(asker, question)
    return question


def _recommend_event(user: User, question: Question) -> None:
    """A paid question is a strong signal for the expert's channel (never raises)."""
    from recommend.services import event_record

    profile = getattr(question.expert, "creator_profile", None)
    channel = profile.channels.order_by("pk").first() if profile else None
    if channel is not None:
        event_record(user=user, kind="question", item=channel)


def _send_to_expert(question: Question) -> None:
    """Caller holds the lock on the question; it becomes OPEN with its deadline."""
    terms = ExpertSettings.objects.filter(user=question.expert).first()
    hours = terms.answer_hours if terms else settings.QA_DEFAULT_ANSWER_HOURS
    now = timezone.now()
    question.status = Status.OPEN
    question.sent_at = now
    question.deadline = now + timedelta(hours=hours)
    question.save(update_fields=["status", "sent_at", "deadline"])
    _notify(
        question.expert,
        key=f"qa:received:{question.pk}",
        text=lambda: (
            _("New paid question (%(price)s, answer by %(deadline)s): %(text)s")
            % {
                "price": format_money(question.amount, question.currency),
                "deadline": question.deadline.strftime("%Y-%m-%d %H:%M UTC"),
                "text": _excerpt(question.text),
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
        if visible and question.status in (Status.SCREENING, Status.HELD):
            _send_to_expert(question)
        elif not visible and question.status == Status.SCREENING:
            question.status = Status.HELD
            question.save(update_fields=["status"])
        elif not visible and question.status == Status.HELD:
            _refund(question, status=Status.REJECTED)
            _notify(
                question.asker,
                key=f"qa:refunded:{question.pk}",
                text=lambda: (
                    _(
                        "Your question was not accepted by moderation; "
                        "%(price)s is back in your wallet."
                    )
                    % {"price": format_money(question.amount, question.currency)}
                ),
                url=question.get_absolute_url(),
            )


# --- settling ---------------------------------------------------------------------


def _locked(question_id: int) -> Question:
    return Question.objects.select_for_update().get(pk=question_id)


def _refund(question: Question, *, status: str) -> None:
    """Caller holds the lock; the question is unsettled. Escrow back to the wallet."""
    currency, asker = question.currency, question.asker
    ledger.post(
        kind=TX_REFUND,
        idempotency_key=f"qa:settle:{question.pk}",
        reference_type="qa.question",
        reference_id=str(question.pk),
        legs=[
            Leg(
                ledger.account_get(kind=Kind.ESCROW, currency=currency, owner=asker),
                -question.amount,
            ),
            Leg(
                ledger.account_get(kind=Kind.WALLET, currency=currency, owner=asker),
                question.amount,
            ),
        ],
        memo=f"Refund of question #{question.pk}",
    )
    question.status = status
    question.settled_at = timezone.now()
    question.save(update_fields=["status", "settled_at"])
    if question.sent_at is not None:
        ExpertSettings.objects.filter(user=question.expert).update(
            missed_count=F("missed_count") + 1
        )


def _release(question: Question) -> None:
    """Caller holds the lock; the answer is accepted. Escrow to the expert, minus fee."""
    fee = platform_fee(amount=question.amount, income="question")
    currency = question.currency
    legs = [
        Leg(
            ledger.account_get(kind=Kind.ESCROW, currency=currency, owner=question.asker),
            -question.amount,
        ),
        Leg(
            ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=question.expert),
            question.amount - fee,
        ),
    ]
    if fee:
        legs.append(Leg(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=currency), fee))
    ledger.post(
        kind=TX_RELEASE,
        idempotency_key=f"qa:settle:{question.pk}",
        reference_type="qa.question",
        reference_id=str(question.pk),
        legs=legs,
        memo=f"Answer to question #{question.pk}",
    )
    now = timezone.now()
    question.status = Status.ANSWERED
    question.fee = fee
    question.settled_at = now
    question.save(update_fields=["status", "fee", "settled_at"])
    response = int((question.answered_at - question.sent_at).total_seconds())
    ExpertSettings.objects.filter(user=question.expert).update(
        answered_count=F("answered_count") + 1,
        response_seconds_total=F("response_seconds_total") + max(0, response),
    )
    bump_index_version()
    _notify(
        question.asker,
        key=f"qa:answered:{question.pk}",
        text=lambda: _("Your question was answered: %(text)s") % {"text": _excerpt(question.text)},
        url=question.get_absolute_url(),
    )


def _check_file(upload, *, extensions: list[str], max_bytes: int, field: str) -> None:
    if not upload:
        return
    ext = os.path.splitext(upload.name)[1].lower().lstrip(".")
    if ext not in extensions:
        raise ValidationError(
            {field: _("Allowed file types: %(types)s.") % {"types": ", ".join(extensions)}}
        )
    if upload.size > max_bytes:
        raise ValidationError(
            {field: _("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes // 2**20}}
        )


@transaction.atomic
def answer_submit(
    *, expert: User, question_id: int, text: str, attachment=None, audio=None
) -> Question:
    """The chosen expert answers in time; escrow goes to them (after screening)."""
    question = _locked(question_id)
    if question.expert_id != expert.pk:
        raise ValidationError(_("Only the expert this question was sent to can answer it."))
    if question.status != Status.OPEN:
        raise ValidationError(
            _("This question cannot be answered any more (%(status)s).")
            % {"status": question.get_status_display()}
        )
    now = timezone.now()
    if question.deadline <= now:
        raise ValidationError(
            _("The deadline has passed; the asker is being refunded and the answer is closed.")
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write an answer: it is empty.")})
    if len(text) > settings.QA_ANSWER_MAX_CHARS:
        raise ValidationError(
            {
                "text": _("Keep the answer under %(n)s characters.")
                % {"n": settings.QA_ANSWER_MAX_CHARS}
            }
        )
    _check_file(
        attachment,
        extensions=settings.QA_ATTACHMENT_EXTENSIONS,
        max_bytes=settings.QA_ATTACHMENT_MAX_BYTES,
        field="attachment",
    )
    _check_file(
        audio,
        extensions=settings.QA_AUDIO_EXTENSIONS,
        max_bytes=settings.QA_AUDIO_MAX_BYTES,
        field="audio",
    )
    Answer.objects.create(
        question=question, text=text, attachment=attachment or "", audio=audio or ""
    )
    question.status = Status.ANSWER_SCREENING
    question.answered_at = now
    question.save(update_fields=["status", "answered_at"])
    content_screen(obj=question.answer)
    question.refresh_from_db()
    return question


def answer_set_visible(answer: Answer, visible: bool) -> None:
    """Moderation's switch for answers: approval releases escrow, rejection refunds."""
    with transaction.atomic():
        question = _locked(answer.question_id)
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        answer.is_visible = visible
        answer.save(update_fields=["is_visible"])
        if visible and question.status in (Status.ANSWER_SCREENING, Status.ANSWER_HELD):
            _release(question)
        elif not visible and question.status == Status.ANSWER_SCREENING:
            question.status = Status.ANSWER_HELD
            question.save(update_fields=["status"])
        elif not visible and question.status == Status.ANSWER_HELD:
            _refund(question, status=Status.REJECTED)
            _notify(
                question.asker,
                key=f"qa:refunded:{question.pk}",
                text=lambda: (
                    _(
                        "The answer to your question was rejected by moderation; "
                        "%(price)s is back in your wallet."
                    )
                    % {"price": format_money(question.amount, question.currency)}
                ),
                url=question.get_absolute_url(),
            )


@transaction.atomic
def question_decline(*, expert: User, question_id: int, reason: str) -> Question:
    question = _locked(question_id)
    if question.expert_id != expert.pk:
        raise ValidationError(_("Only the expert this question was sent to can decline it."))
    if question.status != Status.OPEN:
        raise ValidationError(
            _("This question cannot be declined any more (%(status)s).")
            % {"status": question.get_status_display()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the asker why you decline.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    question.decline_reason = reason
    question.save(update_fields=["decline_reason"])
    _refund(question, status=Status.DECLINED)
    _notify(
        question.asker,
        key=f"qa:declined:{question.pk}",
        text=lambda: (
            _("Your question was declined (%(reason)s); %(price)s is back in your wallet.")
            % {
                "reason": _excerpt(reason),
                "price": format_money(question.amount, question.currency),
            }
        ),
        url=question.get_absolute_url(),
    )
    return question


def question_refund_if_overdue(*, question_id: int) -> bool:
    """Refund one question whose deadline passed. True if this call refunded it.

    Safe to call twice or at the same time as an answer: the status is re-checked
    under the row lock, and the settle key makes a second posting a no-op.
    """
    with transaction.atomic():
        question = _locked(question_id)
        if question.status != Status.OPEN or question.deadline > timezone.now():
            return False
        _refund(question, status=Status.EXPIRED)
        _notify(
            question.asker,
            key=f"qa:refunded:{question.pk}",
            text=lambda: (
                _("Your question was not answered in time; %(price)s is back in your wallet.")
                % {"price": format_money(question.amount, question.currency)}
            ),
            url=question.get_absolute_url(),
        )
        return True


def questions_refund_overdue(*, limit: int = 500) -> int:
    """Refund every open question past its deadline, one transaction each."""
    ids = list(
        Question.objects.filter(status=Status.OPEN, deadline__lte=timezone.now())
        .order_by("deadline")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(question_refund_if_overdue(question_id=pk) for pk in ids)


# --- after the answer -------------------------------------------------------------


@transaction.atomic
def question_rate(*, asker: User, question_id: int, rating: int, comment: str = "") -> Question:
    question = _locked(question_id)
    if question.asker_id != asker.pk:
        raise ValidationError(_("Only the person who asked can rate the answer."))
    if question.status != Status.ANSWERED:
        raise ValidationError(_("Only an answered question can be rated."))
    if question.rating is not None:
        raise ValidationError(_("You already rated this answer."))
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
    return question


@transaction.atomic
def answer_unlock(*, user: User, question_id: int) -> Unlock:
    """Pay the unlock fee to read a public answer; split expert / asker after the fee."""
    question = Question.objects.select_related("answer").get(pk=question_id)
    if user.pk in (question.asker_id, question.expert_id):
        raise ValidationError(_("You can already read this answer; there is nothing to unlock."))
    answer = getattr(question, "answer", None)
    if (
        question.status != Status.ANSWERED
        or not question.is_public
        or not question.is_visible
        or answer is None
        or not answer.is_visible
    ):
        raise ValidationError(_("This answer is not public, so it cannot be unlocked."))
    if Unlock.objects.filter(question=question, user=user).exists():
        raise ValidationError(_("You already unlocked this answer."))
    currency = question.currency
    price = settings.QA_UNLOCK_PRICE
    fee = platform_fee(amount=price, income="question_unlock")
    expert_share = (price - fee) * settings.QA_UNLOCK_EXPERT_SHARE_BPS // pricing.BPS
    asker_share = price - fee - expert_share
    legs = [
        Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=user), -price),
    ]
    if expert_share:
        legs.append(
            Leg(
                ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=question.expert),
                expert_share,
            )
        )
    if asker_share:
        legs.append(
            Leg(
                ledger.account_get(kind=Kind.WALLET, currency=currency, owner=question.asker),
                asker_share,
            )
        )
    if fee:
        legs.append(Leg(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=currency), fee))
    try:
        ledger.post(
            kind=TX_UNLOCK,
            idempotency_key=f"qa:unlock:{question.pk}:{user.pk}",
            reference_type="qa.question",
            reference_id=str(question.pk),
            legs=legs,
            memo=f"Unlock of question #{question.pk}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            _("Your wallet does not hold enough to unlock this answer. %(detail)s Top up first.")
            % {"detail": exc.messages[0]},
            code="insufficient_funds",
        ) from exc
    try:
        with transaction.atomic():
            unlock = Unlock.objects.create(
                question=question,
                user=user,
                amount=price,
                currency=currency,
                fee=fee,
                expert_share=expert_share,
                asker_share=asker_share,
            )
    except IntegrityError:
        raise ValidationError(_("You already unlocked this answer.")) from None
    _notify(
        question.expert,
        key=f"qa:unlocked:{question.pk}:{user.pk}",
        text=lambda: (
            _("Someone unlocked your answer (you earn %(share)s): %(text)s")
            % {"share": format_money(expert_share, currency), "text": _excerpt(question.text)}
        ),
        url=question.get_absolute_url(),
    )
    return unlock
