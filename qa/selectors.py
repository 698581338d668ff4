"""Reads for paid questions: queues, lists, permission-checked fetches, search."""

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404

from accounts.models import User
from qa import matching
from qa.models import Answer, ExpertSettings, Question, Unlock

Status = Question.Status


def expert_settings_get(*, user: User) -> ExpertSettings | None:
    return ExpertSettings.objects.filter(user=user).first()


def expert_settings_enabled(*, user: User) -> ExpertSettings | None:
    return ExpertSettings.objects.filter(user=user, enabled=True).first()


def questions_asked(*, user: User) -> QuerySet[Question]:
    return (
        Question.objects.filter(asker=user)
        .select_related("expert", "expert__creator_profile")
        .order_by("-created_at")
    )


def expert_queue(*, user: User) -> QuerySet[Question]:
    """Questions waiting for this expert's answer, the nearest deadline first."""
    return (
        Question.objects.filter(expert=user, status=Status.OPEN)
        .select_related("asker")
        .order_by("deadline", "pk")
    )


def expert_history(*, user: User) -> QuerySet[Question]:
    return (
        Question.objects.filter(expert=user, sent_at__isnull=False)
        .exclude(status=Status.OPEN)
        .select_related("asker")
        .order_by("-sent_at")
    )


def can_read_answer(*, user: User, question: Question) -> bool:
    if user.is_authenticated and user.pk in (question.asker_id, question.expert_id):
        return True
    if not user.is_authenticated:
        return False
    return Unlock.objects.filter(question=question, user=user).exists()


def answer_readable_by(*, obj: Answer, user: User) -> bool:
    """Whether `user` may read this answer (the asker, the expert, who unlocked it):
    discussions asks before a like."""
    return can_read_answer(user=user, question=obj.question)


def question_readable_by(*, obj: Question, user: User) -> bool:
    """Whether `user` may see this question (`question_get_for_user` would return it):
    only its readers may report it (moderation)."""
    try:
        question_get_for_user(user=user, pk=obj.pk)
    except Http404:
        return False
    return True


def answer_file_get_for_user(
    *, user: User, question_pk: int, kind: str
) -> tuple[Answer, FieldFile]:
    """The stored attachment or audio of an answer `user` may read, else Http404 (a
    reader without access learns nothing, not even whether there is a file)."""
    if kind not in ("attachment", "audio"):
        raise Http404
    question = question_get_for_user(user=user, pk=question_pk)
    answer = Answer.objects.filter(question=question).first()
    if answer is None or not can_read_answer(user=user, question=question):
        raise Http404
    if not answer.is_visible and user.pk != question.expert_id:
        raise Http404
    stored = getattr(answer, kind)
    if not stored:
        raise Http404
    return answer, stored


def question_get_for_user(*, user: User, pk: int) -> Question:
    """The question if `user` may see it: its asker and expert always; anyone else
    only a public, visible, answered one (the answer itself stays locked)."""
    question = (
        Question.objects.select_related("asker", "expert", "expert__creator_profile")
        .filter(pk=pk)
        .first()
    )
    if question is None:
        raise Http404
    if user.is_authenticated and user.pk in (question.asker_id, question.expert_id):
        return question
    if question.status == Status.ANSWERED and question.is_public and question.is_visible:
        return question
    raise Http404


def public_answered(*, expert: User, limit: int = 10) -> list[Question]:
    return list(
        Question.objects.filter(
            expert=expert,
            status=Status.ANSWERED,
            is_public=True,
            is_visible=True,
            answer__is_visible=True,
        ).order_by("-answered_at")[:limit]
    )


def experts_search(
    *, text: str, exclude: User | None = None, limit: int | None = None
) -> list[tuple[ExpertSettings, float]]:
    """[(ExpertSettings, score)] for a question typed into the search box."""
    if not text.strip():
        return []
    exclude_id = exclude.pk if exclude is not None and exclude.is_authenticated else None
    return matching.experts_match(text, limit=limit, exclude_user_id=exclude_id)


def questions_similar(*, text: str, limit: int | None = None) -> list[Question]:
    """Answered public questions like `text`, best first (with `.score`)."""
    if not text.strip():
        return []
    hits = matching.questions_similar(text, limit=limit)
    rows = Question.objects.in_bulk([pk for pk, _ in hits])
    out = []
    for pk, score in hits:
        question = rows.get(pk)
        if question is not None and question.status == Status.ANSWERED and question.is_visible:
            question.score = score  # type: ignore[attr-defined]  # a hit carries its score
            out.append(question)
    return out


def answers_unlocked(*, user: User) -> QuerySet[Unlock]:
    """Answers this user paid to read, newest first ("My learning")."""
    return (
        Unlock.objects.filter(user=user)
        .select_related("question", "question__expert", "question__expert__creator_profile")
        .order_by("-created_at")
    )
