"""qa's personal data (accounts.personal_data), registered from QaConfig.ready():
paid questions asked and received, answers and their files, unlocks.

Erasing an asker refunds their unanswered questions (escrow back to the wallet,
through payments, before payments checks that no escrow is left); an expert with
questions still waiting for their answer is told to answer or decline them first.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import personal_data
from accounts.models import User
from qa.models import Answer, ExpertSettings, Question, Quote, Unlock
from qa.services.escrow import question_refund
from qa.services.settling import locked

rows = personal_data.rows
Status = Question.Status
UNANSWERED = (Status.HELD, Status.OPEN)
ANSWER_PENDING = (Status.ANSWER_SCREENING, Status.ANSWER_HELD)


def questions_blockers(user: User) -> list[str]:
    messages = []
    waiting = Question.objects.filter(expert=user, status__in=UNANSWERED + ANSWER_PENDING).count()
    if waiting:
        messages.append(
            _("%(n)d paid questions are waiting for your answer: answer or decline them first.")
            % {"n": waiting}
        )
    if Question.objects.filter(asker=user, status__in=ANSWER_PENDING).exists():
        messages.append(
            _("An answer to your paid question is waiting for moderation: wait for it first.")
        )
    return messages


def questions_erase(user: User, remove_contributions: bool) -> None:
    for pk in Question.objects.filter(asker=user, status__in=UNANSWERED).values_list(
        "pk", flat=True
    ):
        question = locked(pk)
        if question.status in UNANSWERED:
            question_refund(question, status=Status.WITHDRAWN)
    ExpertSettings.objects.filter(user=user).update(enabled=False)
    if remove_contributions:
        Question.objects.filter(asker=user).update(text="", rating_comment="", is_public=False)
        Quote.objects.filter(asker=user).update(text="")
        for answer in Answer.objects.filter(question__expert=user):
            for field in (answer.attachment, answer.audio):
                if field:
                    field.delete(save=False)
            answer.text = ""
            answer.save(update_fields=["text", "attachment", "audio"])
    else:
        # Drafts never asked are nobody's contribution.
        Quote.objects.filter(asker=user, question__isnull=True).delete()


def answer_files(user: User) -> personal_data.Files:
    files: personal_data.Files = []
    for answer in Answer.objects.filter(question__expert=user):
        for field in (answer.attachment, answer.audio):
            if field:
                base = (field.name or "").rsplit("/", 1)[-1]
                files.append((f"{answer.question_id}-{base}", field))
    return files


def register() -> None:
    personal_data.register_rows(
        "paid_questions",
        lambda user: Question.objects.filter(Q(asker=user) | Q(expert=user)),
        "id asker_id expert_id text amount currency status is_public rating rating_comment "
        "created_at answered_at settled_at decline_reason",
        erase=questions_erase,
        blockers=questions_blockers,
        order=10,
    )
    personal_data.register(
        "paid_answers",
        export=lambda user: rows(
            Answer.objects.filter(Q(question__expert=user) | Q(question__asker=user)),
            "question_id text attachment audio created_at",
        ),
        files=answer_files,
    )
    personal_data.register_rows(
        "unlocks",
        lambda user: Unlock.objects.filter(user=user),
        "question_id amount currency created_at",
    )
