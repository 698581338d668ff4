"""Answering, declining and the deadline: every way a question's escrow settles.

Every status change happens under `select_for_update` on the question row, and is
re-checked under the lock, so a concurrent answer and expiry cannot both win.
"""

import os
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import NotificationKind, User
from core import events
from core.money import format_money
from core.refusals import Conflict
from moderation.services import content_screen
from qa.events import AnswerHidden, QuestionAnswered
from qa.models import Answer, ExpertSettings, Question
from qa.services.escrow import question_refund, question_release
from qa.services.notify import excerpt, notify
from qa.services.quotes import bump_index_version

Status = Question.Status


def locked(question_id: int) -> Question:
    return Question.objects.select_for_update().get(pk=question_id)


def _open_for_expert(question_id: int, *, expert: User, not_theirs: str, closed: str) -> Question:
    """The question, locked, if it was sent to `expert` and still waits for them;
    else `not_theirs`, or `closed` (with %(status)s), as a ValidationError."""
    question = locked(question_id)
    if question.expert_id != expert.pk:
        raise ValidationError(not_theirs)
    if question.status != Status.OPEN:
        raise Conflict(closed % {"status": question.get_status_display()})
    return question


def refund(question: Question, *, status: str, why: Callable[[], str] | None = None) -> None:
    """Caller holds the lock; the question is unsettled. Escrow back to the wallet,
    a missed question on the expert's record if it had reached them, and (with `why`,
    the notification's text) the asker told."""
    question_refund(question, status=status)
    if question.sent_at is not None:
        ExpertSettings.objects.filter(user=question.expert).update(
            missed_count=F("missed_count") + 1
        )
    if why is not None:
        notify(
            question.asker,
            key=f"qa:refunded:{question.pk}",
            text=why,
            url=question.get_absolute_url(),
        )


def _release(question: Question) -> None:
    """Caller holds the lock; the answer is accepted. Escrow to the expert, minus fee."""
    question_release(question)
    events.send_on_commit(
        QuestionAnswered(
            question_id=question.pk, asker_id=question.asker_id, expert_id=question.expert_id
        )
    )
    assert question.answered_at is not None and question.sent_at is not None
    response = int((question.answered_at - question.sent_at).total_seconds())
    ExpertSettings.objects.filter(user=question.expert).update(
        answered_count=F("answered_count") + 1,
        response_seconds_total=F("response_seconds_total") + max(0, response),
    )
    bump_index_version()
    notify(
        question.asker,
        key=f"qa:answered:{question.pk}",
        text=lambda: _("Your question was answered: %(text)s") % {"text": excerpt(question.text)},
        url=question.get_absolute_url(),
        kind=NotificationKind.ANSWER,
    )


def _check_file(
    upload: UploadedFile | None, *, extensions: list[str], max_bytes: int, field: str
) -> None:
    if not upload:
        return
    ext = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if ext not in extensions:
        raise ValidationError(
            {field: _("Allowed file types: %(types)s.") % {"types": ", ".join(extensions)}}
        )
    if (upload.size or 0) > max_bytes:
        raise ValidationError(
            {field: _("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes // 2**20}}
        )


@transaction.atomic
def answer_submit(
    *,
    expert: User,
    question_id: int,
    text: str,
    attachment: UploadedFile | None = None,
    audio: UploadedFile | None = None,
) -> Question:
    """The chosen expert answers in time; escrow goes to them (after screening)."""
    question = _open_for_expert(
        question_id,
        expert=expert,
        not_theirs=_("Only the expert this question was sent to can answer it."),
        closed=_("This question cannot be answered any more (%(status)s)."),
    )
    now = timezone.now()
    if question.deadline is None or question.deadline <= now:
        raise Conflict(
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


def moderation_decide(
    question: Question,
    visible: bool,
    *,
    screening: str,
    held: str,
    approve: Callable[[], None],
    rejected: str,
) -> None:
    """Caller holds the lock on the question. What moderation's switch means for a
    question (or its answer) at the `screening` or `held` stage: shown, it goes on
    (`approve`); hidden while screening, it is held for a moderator; hidden while
    held, it is rejected and the asker refunded (`rejected`, marked with gettext_noop,
    tells them in their own language, with %(price)s).

    Every switch, whatever it decides, tells the assistant to re-read the question."""
    events.send_on_commit(events.KnowledgeChanged(kind="answer", object_id=question.pk))
    if visible and question.status in (screening, held):
        approve()
    elif not visible and question.status == screening:
        question.status = held
        question.save(update_fields=["status"])
    elif not visible and question.status == held:
        price = format_money(question.amount, question.currency)
        refund(question, status=Status.REJECTED, why=lambda: _(rejected) % {"price": price})


def answer_set_visible(answer: Answer, visible: bool) -> None:
    """Moderation's switch for answers: approval releases escrow, rejection refunds."""
    with transaction.atomic():
        question = locked(answer.question_id)
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        answer.is_visible = visible
        answer.save(update_fields=["is_visible"])
        if not visible and question.status == Status.ANSWERED:
            events.send_on_commit(
                AnswerHidden(question_id=question.pk, expert_id=question.expert_id)
            )
        moderation_decide(
            question,
            visible,
            screening=Status.ANSWER_SCREENING,
            held=Status.ANSWER_HELD,
            approve=lambda: _release(question),
            rejected=gettext_noop(
                "The answer to your question was rejected by moderation; "
                "%(price)s is back in your wallet."
            ),
        )


@transaction.atomic
def question_decline(*, expert: User, question_id: int, reason: str) -> Question:
    question = _open_for_expert(
        question_id,
        expert=expert,
        not_theirs=_("Only the expert this question was sent to can decline it."),
        closed=_("This question cannot be declined any more (%(status)s)."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the asker why you decline.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    question.decline_reason = reason
    question.save(update_fields=["decline_reason"])
    refund(question, status=Status.DECLINED)
    notify(
        question.asker,
        key=f"qa:declined:{question.pk}",
        text=lambda: (
            _("Your question was declined (%(reason)s); %(price)s is back in your wallet.")
            % {
                "reason": excerpt(reason),
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
        question = locked(question_id)
        if (
            question.status != Status.OPEN
            or question.deadline is None
            or question.deadline > timezone.now()
        ):
            return False
        refund(
            question,
            status=Status.EXPIRED,
            why=lambda: (
                _("Your question was not answered in time; %(price)s is back in your wallet.")
                % {"price": format_money(question.amount, question.currency)}
            ),
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
