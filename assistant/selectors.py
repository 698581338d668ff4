"""Reads for the assistant: who may read which paid passage, the next step's expert
and session, a learner's tickets."""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from assistant.index import Row
from assistant.models import SupportTicket
from content.models import Article, Lesson
from content.selectors.access import item_access_check
from livestream.models import LiveSession
from qa.models import ExpertSettings, Question
from qa.selectors import can_read_answer


def paid_readable(*, user: User, rows: Iterable[Row]) -> set[int]:
    """The pks of the paid rows whose text `user` may be quoted: the same checks the
    source's own page makes (a lesson's paywall, an answer's unlock), every time."""
    readable: set[int] = set()
    paid = [row for row in rows if row.paid]
    by_kind: dict[str, list[Row]] = {}
    for row in paid:
        by_kind.setdefault(row.kind, []).append(row)
    sources: dict[str, QuerySet[Lesson] | QuerySet[Article]] = {
        "lesson": Lesson.objects.select_related("course__channel__creator", "required_tier"),
        "article": Article.objects.select_related("channel__creator", "required_tier"),
    }
    for kind, kind_rows in by_kind.items():
        ids = [row.source_id for row in kind_rows]
        if kind == "answer":
            questions = Question.objects.in_bulk(ids)
            for row in kind_rows:
                question = questions.get(row.source_id)
                if question is not None and can_read_answer(user=user, question=question):
                    readable.add(row.pk)
        elif kind in sources:
            items = sources[kind].in_bulk(ids)
            for row in kind_rows:
                item = items.get(row.source_id)
                if item is not None and item_access_check(user=user, item=item):
                    readable.add(row.pk)
    return readable


def next_session_of(*, expert_id: int) -> LiveSession | None:
    """The expert's next scheduled (or live) session, to ask in."""
    return (
        LiveSession.objects.filter(
            channel__creator__user_id=expert_id,
            status__in=[LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE],
            scheduled_start__gte=timezone.now() - timedelta(hours=6),
        )
        .order_by("scheduled_start")
        .first()
    )


def experts_taking_questions(
    *, user_ids: Sequence[int], exclude: int | None
) -> list[ExpertSettings]:
    """Experts taking paid questions: those of `user_ids` in that order, else the one
    with the most answers."""
    enabled = ExpertSettings.objects.filter(enabled=True).select_related(
        "user", "user__creator_profile"
    )
    if exclude is not None:
        enabled = enabled.exclude(user_id=exclude)
    by_user = {terms.user_id: terms for terms in enabled.filter(user_id__in=list(user_ids))}
    ordered = [by_user[pk] for pk in dict.fromkeys(user_ids) if pk in by_user]
    if ordered:
        return ordered
    first = enabled.order_by("-answered_count", "user_id").first()
    return [first] if first is not None else []


def tickets_of(*, user: User) -> QuerySet[SupportTicket]:
    return SupportTicket.objects.filter(user=user).order_by("-created_at")
