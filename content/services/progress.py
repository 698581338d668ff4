"""Learners' progress through courses (resume, reading position, done), and the
interest signal a lesson or article view sends to the apps above (recommend)."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from content.models import Article, Lesson, LessonProgress
from content.selectors import item_access_check
from core import events

Viewer = User | AnonymousUser


def _viewed(item: Lesson | Article, user: Viewer) -> None:
    """Tell whoever listens (recommend) that the course or channel was viewed, once
    the transaction commits. Anonymous views say nothing."""
    if not user.is_authenticated:
        return
    target = item.course if isinstance(item, Lesson) else item.channel
    events.send_on_commit(events.Engaged.about(user_id=user.pk, kind="view", obj=target))


def progress_open(*, user: Viewer, lesson: Lesson) -> None:
    """Remember the lesson as the learner's place in the course (resume)."""
    if not isinstance(user, User):
        return
    _progress_touch(user=user, lesson=lesson)


def _progress_touch(*, user: User, lesson: Lesson, scroll_position: int | None = None) -> None:
    """Set the reading position (when given) and the last-opened time on the learner's
    progress row. One UPDATE when the row exists (update_or_create took a savepoint, a
    locking SELECT and the UPDATE); the first time, an INSERT."""
    fields: dict[str, object] = {"last_opened_at": timezone.now()}
    if scroll_position is not None:
        fields["scroll_position"] = scroll_position
    mine = LessonProgress.objects.filter(user=user, lesson=lesson)
    if not mine.update(**fields):
        try:
            with transaction.atomic():
                LessonProgress.objects.create(
                    user=user, lesson=lesson, course_id=lesson.course_id, **fields
                )
        except IntegrityError:  # another tab inserted it first
            mine.update(**fields)
    _viewed(lesson, user)


def article_viewed(*, user: Viewer, article: Article) -> None:
    _viewed(article, user)


def progress_position_save(*, user: User, lesson: Lesson, position: str | int | None) -> int:
    """Remember how far down the lesson the learner has read (percent), for resuming.
    It says nothing about done: only the learner marks a lesson done."""
    try:
        if position is None:
            raise ValueError
        percent = int(position)
    except ValueError:
        raise ValidationError(_("The reading position must be a whole percentage.")) from None
    if not 0 <= percent <= 100:
        raise ValidationError(_("The reading position must be between 0 and 100."))
    if not item_access_check(user=user, item=lesson):
        raise PermissionDenied(_("You cannot mark a lesson you have no access to."))
    _progress_touch(user=user, lesson=lesson, scroll_position=percent)
    return percent


@transaction.atomic
def progress_mark(
    *, user: User, lesson: Lesson, done: bool = True, scroll_position: int | None = None
) -> LessonProgress:
    if not item_access_check(user=user, item=lesson):
        raise PermissionDenied(_("You cannot mark a lesson you have no access to."))
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        user=user, lesson=lesson, defaults={"course_id": lesson.course_id}
    )
    progress.done_at = (progress.done_at or timezone.now()) if done else None
    if scroll_position is not None:
        progress.scroll_position = max(0, min(100, int(scroll_position)))
    progress.last_opened_at = progress.last_opened_at or timezone.now()
    progress.save(update_fields=["done_at", "scroll_position", "last_opened_at"])
    return progress
