"""A course's outline for one learner (sections, locks, done marks, resume), the
neighbours of a lesson, and course progress."""

from typing import TypedDict

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from content.models import Access, Lesson, LessonProgress, Section, Status
from content.selectors.access import is_channel_owner, item_access_check
from marketplace import access as market_access
from marketplace import selectors as market
from marketplace.holdings import course_follow_check
from marketplace.models import Course


class Outline(TypedDict):
    sections: list[tuple[Section | None, list[Lesson]]]
    lessons: list[Lesson]  # each with is_locked, is_done and reading_position set
    done_count: int
    total: int
    percent: int
    resume: Lesson | None


def course_outline(*, course: Course, user: User) -> Outline:
    """Sections with their lessons, each with lock and done flags, and the progress
    bar figures (four queries)."""
    owner = is_channel_owner(user, course.channel)
    lessons_qs = Lesson.objects.filter(course=course).select_related("required_tier")
    if not owner:
        lessons_qs = lessons_qs.filter(status=Status.PUBLISHED, is_visible=True)
    lessons = list(lessons_qs.order_by("position", "id"))
    sections = list(Section.objects.filter(course=course))
    done: set[int] = set()
    positions: dict[int, int] = {}
    last = None
    if user.is_authenticated:
        rows = list(LessonProgress.objects.filter(user=user, course=course))
        done = {r.lesson_id for r in rows if r.done_at}
        positions = {r.lesson_id: r.scroll_position for r in rows}
        opened = [(r.last_opened_at, r.lesson_id) for r in rows if r.last_opened_at]
        if opened:
            last = max(opened, key=lambda pair: pair[0])[1]
    has_course: bool | None = None

    def locked(lesson: Lesson) -> bool:
        nonlocal has_course
        if lesson.access == Access.FREE or owner:
            return False
        if lesson.access in (Access.TICKET, Access.PREVIEW):
            if has_course is None:
                has_course = market_access.entitlement_check(user=user, course=course)
            if has_course:
                return False
        return not item_access_check(user=user, item=lesson)

    for lesson in lessons:
        lesson.course = course
        lesson.is_locked = locked(lesson)
        lesson.is_done = lesson.pk in done
        lesson.reading_position = positions.get(lesson.pk, 0)  # percent, for resuming
    grouped: list[tuple[Section | None, list[Lesson]]] = []
    by_section: dict[int | None, list[Lesson]] = {}
    for lesson in lessons:
        by_section.setdefault(lesson.section_id, []).append(lesson)
    if by_section.get(None):
        grouped.append((None, by_section[None]))
    for section in sections:
        grouped.append((section, by_section.get(section.pk, [])))
    public = [lesson for lesson in lessons if lesson.is_public]
    counted = public if not owner else lessons
    done_count = sum(1 for lesson in counted if lesson.pk in done)
    total = len(counted)
    resume = next((lesson for lesson in lessons if lesson.pk == last), None)
    return {
        "sections": grouped,
        "lessons": lessons,
        "done_count": done_count,
        "total": total,
        "percent": round(100 * done_count / total) if total else 0,
        "resume": resume,
    }


def outline_neighbours(*, outline: Outline, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """Previous and next lesson from a `course_outline` already computed (no query):
    the same order as `lesson_neighbours`."""
    ordered = [item for _, section_lessons in outline["sections"] for item in section_lessons]
    return _around(ordered, lesson)


def _around(ordered: list[Lesson], lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The lessons just before and after `lesson` in `ordered` (None at either end,
    or both when it is not there)."""
    ids = [item.pk for item in ordered]
    if lesson.pk not in ids:
        return None, None
    i = ids.index(lesson.pk)
    return (ordered[i - 1] if i > 0 else None, ordered[i + 1] if i + 1 < len(ordered) else None)


def lesson_neighbours(*, lesson: Lesson, user: User) -> tuple[Lesson | None, Lesson | None]:
    """Previous and next lesson in course order (sections first by position)."""
    qs = Lesson.objects.filter(course_id=lesson.course_id).select_related("course")
    if not is_channel_owner(user, lesson.channel):
        qs = qs.filter(status=Status.PUBLISHED, is_visible=True)
    ordered = sorted(
        qs.select_related("section"),
        key=lambda x: (
            x.section.position if x.section else -1,
            x.section_id or 0,
            x.position,
            x.pk,
        ),
    )
    return _around(ordered, lesson)


class Progress(TypedDict):
    course: str
    done: list[int]
    done_count: int
    total: int
    percent: int
    resume_lesson: int | None


def course_progress_get_for_user(*, slug: str, user: User) -> Progress:
    """The learner's progress in a course they may follow: a free course, one they
    hold a ticket for, or one of a channel they subscribe to (the creator and staff
    too). Anyone else: 404 for a course they cannot see, 403 for one not bought."""
    course = market.course_get_for_user(slug=slug, user=user)
    if not course_follow_check(user=user, course=course):
        raise PermissionDenied(_("Buy this course to track your progress in it."))
    return course_progress(user=user, course=course)


def course_progress(*, user: User, course: Course) -> Progress:
    outline = course_outline(course=course, user=user)
    return {
        "course": course.slug,
        "done": sorted(lesson.pk for lesson in outline["lessons"] if lesson.is_done),
        "done_count": outline["done_count"],
        "total": outline["total"],
        "percent": outline["percent"],
        "resume_lesson": outline["resume"].pk if outline["resume"] else None,
    }


class LibraryProgress(TypedDict):
    done: int
    total: int
    percent: int
    resume: Lesson | None  # the lesson opened last, to carry on from


def courses_progress(*, user: User, courses: list[Course]) -> dict[int, LibraryProgress]:
    """Lessons read out of the published ones, and where to carry on, for each of the
    learner's courses in "My learning" (two queries however many courses)."""
    if not courses:
        return {}
    by_id = {course.pk: course for course in courses}
    lessons = list(
        Lesson.objects.filter(course_id__in=by_id, status=Status.PUBLISHED, is_visible=True).only(
            "pk", "slug", "title", "course_id"
        )
    )
    rows = list(
        LessonProgress.objects.filter(user=user, course_id__in=by_id).values(
            "lesson_id", "done_at", "last_opened_at"
        )
    )
    done = {r["lesson_id"] for r in rows if r["done_at"]}
    opened = {r["lesson_id"]: r["last_opened_at"] for r in rows if r["last_opened_at"]}
    result: dict[int, LibraryProgress] = {}
    for course_id, course in by_id.items():
        own = [lesson for lesson in lessons if lesson.course_id == course_id]
        for lesson in own:
            lesson.course = course
        count = sum(1 for lesson in own if lesson.pk in done)
        last = max(
            (lesson for lesson in own if lesson.pk in opened),
            key=lambda lesson: opened[lesson.pk],
            default=None,
        )
        result[course_id] = {
            "done": count,
            "total": len(own),
            "percent": round(100 * count / len(own)) if own else 0,
            "resume": last,
        }
    return result
