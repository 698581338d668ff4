"""Keeping the knowledge index (KnowledgeItem rows) in step with the site.

One function per source kind reads the source, decides whether the assistant may use
it (published, visible, not hidden by moderation) and upserts or deletes its row(s).
They run in Celery after the source's transaction commits (assistant/listeners.py)
and are idempotent: running one twice, or late, leaves the row as the source is now.
Every change bumps the index version so that serving processes rebuild their
in-process search index from the table.
"""

from django.db import transaction

from assistant.models import HelpArticle, KnowledgeItem
from content.models import Access, Article, Lesson, Status
from core.versions import version_bump, version_get
from livestream.models import LiveSession
from livestream.video import replay_chapters
from qa.models import Question

VERSION_KEY = "assistant:index:version"
Kind = KnowledgeItem.Kind


def index_version() -> int:
    return version_get(VERSION_KEY)


def index_version_bump() -> None:
    version_bump(VERSION_KEY)


def _upsert(kind: str, source_id: int, **fields: object) -> None:
    KnowledgeItem.objects.update_or_create(kind=kind, source_id=source_id, defaults=fields)


def _delete(kind: str, source_id: int) -> None:
    KnowledgeItem.objects.filter(kind=kind, source_id=source_id).delete()


@transaction.atomic
def answer_sync(*, question_id: int) -> None:
    """An answered public question whose question and answer are both visible; the
    answer text is quoted only to its readers (asker, expert, who unlocked it)."""
    question = Question.objects.select_related("answer").filter(pk=question_id).first()
    answer = getattr(question, "answer", None) if question else None
    usable = (
        question is not None
        and answer is not None
        and question.status == Question.Status.ANSWERED
        and question.is_public
        and question.is_visible
        and answer.is_visible
    )
    if not usable or question is None or answer is None:
        _delete(Kind.ANSWER, question_id)
    else:
        _upsert(
            Kind.ANSWER,
            question_id,
            title=question.text[:300],
            text=f"{question.text}\n{answer.text}",
            preview=question.text,
            paid=True,
            url=question.get_absolute_url(),
            expert_id=question.expert_id,
            course_id=None,
            course_title="",
            topics=[],
        )
    transaction.on_commit(index_version_bump)


def _content_fields(item: Lesson | Article) -> dict[str, object]:
    course = getattr(item, "course", None)
    channel = item.channel
    topics = []
    if course is not None:
        topics = [tag.name for tag in course.tags.all()]
        if course.category_id:
            topics.append(course.category.name)
    return {
        "title": item.title,
        "text": f"{item.title}\n{item.summary}\n{item.body}",
        "preview": item.summary,
        "paid": item.access != Access.FREE,
        "url": item.get_absolute_url(),
        "course_id": course.pk if course is not None else None,
        "course_title": course.title if course is not None else "",
        "expert_id": channel.creator.user_id,
        "topics": topics,
    }


@transaction.atomic
def lesson_sync(*, lesson_id: int) -> None:
    lesson = (
        Lesson.objects.select_related("course__channel__creator", "course__category")
        .filter(pk=lesson_id)
        .first()
    )
    if lesson is None or lesson.status != Status.PUBLISHED or not lesson.is_visible:
        _delete(Kind.LESSON, lesson_id)
    else:
        _upsert(Kind.LESSON, lesson_id, **_content_fields(lesson))
    transaction.on_commit(index_version_bump)


@transaction.atomic
def article_sync(*, article_id: int) -> None:
    article = Article.objects.select_related("channel__creator").filter(pk=article_id).first()
    if article is None or article.status != Status.PUBLISHED or not article.is_visible:
        _delete(Kind.ARTICLE, article_id)
    else:
        _upsert(Kind.ARTICLE, article_id, **_content_fields(article))
    transaction.on_commit(index_version_bump)


@transaction.atomic
def chapters_sync(*, session_id: int) -> None:
    """The answered room questions of a session's replay, each linking to its moment."""
    session = (
        LiveSession.objects.select_related("channel__creator", "course")
        .filter(pk=session_id)
        .first()
    )
    chapters = []
    if (
        session is not None
        and session.replay_status == LiveSession.Replay.READY
        and not session.replay_hidden
    ):
        chapters = replay_chapters(session=session)
    kept = [c["question"] for c in chapters]
    KnowledgeItem.objects.filter(kind=Kind.CHAPTER, session_id=session_id).exclude(
        source_id__in=kept
    ).delete()
    if session is not None:
        for chapter in chapters:
            _upsert(
                Kind.CHAPTER,
                chapter["question"],
                title=chapter["title"][:300],
                text=f"{chapter['title']}\n{session.title}",
                preview=chapter["title"],
                paid=False,  # a pointer: the replay's player checks who may watch
                url=f"{session.get_absolute_url()}?t={int(chapter['start'])}",
                session_id=session_id,
                course_id=session.course_id,
                course_title=session.course.title if session.course else "",
                expert_id=session.channel.creator.user_id,
                topics=[],
            )
    transaction.on_commit(index_version_bump)


@transaction.atomic
def help_article_sync(*, help_article_id: int) -> None:
    article = HelpArticle.objects.filter(pk=help_article_id, is_published=True).first()
    if article is None:
        _delete(Kind.HELP, help_article_id)
    else:
        _upsert(
            Kind.HELP,
            help_article_id,
            title=article.title,
            text=f"{article.title}\n{article.body}",
            preview=article.body[:300],
            paid=False,
            url=article.get_absolute_url(),
            topics=[article.get_topic_display()],
            expert_id=None,
        )
    transaction.on_commit(index_version_bump)


SYNCERS = {
    "answer": lambda pk: answer_sync(question_id=pk),
    "lesson": lambda pk: lesson_sync(lesson_id=pk),
    "article": lambda pk: article_sync(article_id=pk),
    "session": lambda pk: chapters_sync(session_id=pk),
    "help": lambda pk: help_article_sync(help_article_id=pk),
}


def knowledge_rebuild() -> int:
    """Every source again (the first deployment, or after a bulk import)."""
    count = 0
    for pk in Question.objects.filter(status=Question.Status.ANSWERED).values_list("pk", flat=True):
        answer_sync(question_id=pk)
        count += 1
    for pk in Lesson.objects.values_list("pk", flat=True):
        lesson_sync(lesson_id=pk)
        count += 1
    for pk in Article.objects.values_list("pk", flat=True):
        article_sync(article_id=pk)
        count += 1
    for pk in LiveSession.objects.filter(replay_status=LiveSession.Replay.READY).values_list(
        "pk", flat=True
    ):
        chapters_sync(session_id=pk)
        count += 1
    for pk in HelpArticle.objects.values_list("pk", flat=True):
        help_article_sync(help_article_id=pk)
        count += 1
    return count
