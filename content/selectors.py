"""Reads: who may read what, what a viewer sees of a body, listings, progress."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from content import rendering
from content.models import Access, Article, Asset, Lesson, LessonProgress, Revision, Section, Status
from livestream.models import LiveSession
from marketplace import selectors as market
from marketplace.models import Channel, Course

ContentItem = Lesson | Article
Item = TypeVar("Item", Lesson, Article)


def _is_owner(user: User, channel: Channel) -> bool:
    return user.is_authenticated and (user.is_staff or channel.creator.user_id == user.pk)


def _tier_check(user: User, item: ContentItem) -> bool:
    """An active subscription to the required tier or a dearer tier of the channel
    (any tier of the channel when none is required)."""
    if not user.is_authenticated:
        return False
    channel = item.channel
    tiers = market._active_entitlements(user).filter(tier__channel_id=channel.pk)
    required = item.required_tier
    if required is not None:
        tiers = tiers.filter(
            Q(tier=required)
            | Q(tier__currency=required.currency, tier__price_amount__gte=required.price_amount)
        )
    return tiers.exists()


def item_access_check(*, user: User, item: ContentItem) -> bool:
    """May this user read the whole of this lesson or article (and its files)?"""
    if item.access == Access.FREE:
        return True
    if _is_owner(user, item.channel):
        return True
    if not user.is_authenticated:
        return False
    course = item.course
    if item.access == Access.TICKET:
        return course is not None and market.entitlement_check(user=user, course=course)
    if item.access == Access.SUBSCRIBERS:
        return _tier_check(user, item)
    # PREVIEW: the rest for the course's ticket holders or the channel's subscribers.
    if course is not None and market.entitlement_check(user=user, course=course):
        return True
    return market.channel_subscriber_check(user=user, channel=item.channel)


def _publicly_visible(item: ContentItem) -> bool:
    if not item.is_public:
        return False
    if isinstance(item, Lesson):
        return item.course.is_published and item.course.channel.is_published
    return item.channel.is_published


def lesson_get_for_user(*, course_slug: str, slug: str, user: User) -> Lesson:
    lesson = (
        Lesson.objects.select_related(
            "course",
            "course__channel",
            "course__channel__creator",
            "section",
            "required_tier",
            "author",  # the report form asks who wrote it
        )
        .filter(course__slug=course_slug, slug=slug)
        .first()
    )
    if lesson is None or not (_publicly_visible(lesson) or _is_owner(user, lesson.channel)):
        raise Http404
    return lesson


def article_get_for_user(*, channel_slug: str, slug: str, user: User) -> Article:
    article = (
        Article.objects.select_related("channel", "channel__creator", "required_tier", "author")
        .filter(channel__slug=channel_slug, slug=slug)
        .first()
    )
    if article is None or not (_publicly_visible(article) or _is_owner(user, article.channel)):
        raise Http404
    return article


def _item_get_by_pk(model: type[Item], related: tuple[str, ...], pk: int, user: User) -> Item:
    item = model.objects.select_related(*related).filter(pk=pk).first()
    if item is None or not (_publicly_visible(item) or _is_owner(user, item.channel)):
        raise Http404
    return item


def lesson_get_by_pk_for_user(*, pk: int, user: User) -> Lesson:
    related = ("course", "course__channel", "course__channel__creator", "section")
    return _item_get_by_pk(Lesson, (*related, "required_tier"), pk, user)


def article_get_by_pk_for_user(*, pk: int, user: User) -> Article:
    return _item_get_by_pk(Article, ("channel", "channel__creator", "required_tier"), pk, user)


def item_page_extras(*, item: ContentItem) -> dict[str, object]:
    """What a lesson or article page shows around the body: the paywall's offers (the
    course to buy when it is paid, the channel's tiers, the tier required) and the
    canonical address (from SITE_URL, not the request's Host header)."""
    course = item.course
    return {
        "paywall_course": course if course is not None and not course.is_free else None,
        "paywall_tiers": list(item.channel.tiers.filter(is_active=True)),
        "paywall_tier": item.required_tier,
        "canonical": settings.SITE_URL.rstrip("/") + item.get_absolute_url(),
    }


@dataclass(frozen=True)
class BodyView:
    """What a viewer gets of a body: the preview always, the rest only with access."""

    html: SafeString
    preview_html: SafeString
    is_full: bool
    has_more: bool  # there is paid content the viewer does not see
    description: str  # for meta tags: from the preview only


def _replay_resolver(user: User) -> Callable[[int], tuple[str, str] | None]:
    """Replay shortcodes in a body link to sessions the viewer may watch (title, URL)."""

    def resolve(pk: int) -> tuple[str, str] | None:
        session = (
            LiveSession.objects.select_related("channel", "channel__creator", "required_tier")
            .filter(pk=pk, replay_status=LiveSession.Replay.READY, replay_hidden=False)
            .first()
        )
        if session is None or not market.entitlement_check(user=user, live_session=session):
            return None
        return session.title, session.get_absolute_url()

    return resolve


def body_for_viewer(*, item: ContentItem, user: User, full: bool | None = None) -> BodyView:
    if full is None:
        full = item_access_check(user=user, item=item)
    rendered = rendering.render_cached(kind=item.kind, revision_id=item.revision_id, body=item.body)
    html = rendered.preview_html + (rendered.rest_html if full else "")
    if rendering.REPLAY_SHORTCODE.search(html):
        html = rendering.expand_replays(html, resolve=_replay_resolver(user))
    preview = rendered.preview_html
    description = rendering.plain_text(escape(item.summary) if item.summary else preview)
    return BodyView(
        html=mark_safe(html),  # noqa: S308 - sanitised by nh3; replay links escaped
        preview_html=mark_safe(rendering.REPLAY_SHORTCODE.sub("", preview)),  # noqa: S308
        is_full=full,
        has_more=rendered.has_more and not full,
        description=description,
    )


def item_attachments(*, item: ContentItem) -> list[Asset]:
    return [a for a in item.assets.all() if a.kind == Asset.Kind.ATTACHMENT]


def asset_get_for_download(*, key: str, user: User) -> Asset:
    """An attachment the user may download; otherwise a 404 (never reveals it)."""
    asset = (
        Asset.objects.select_related(
            "lesson__course__channel__creator",
            "lesson__required_tier",
            "article__channel__creator",
            "article__required_tier",
        )
        .filter(key=key, kind=Asset.Kind.ATTACHMENT)
        .first()
    )
    if asset is None:
        raise Http404
    item = asset.item
    if not (_publicly_visible(item) or _is_owner(user, item.channel)):
        raise Http404
    if not item_access_check(user=user, item=item):
        raise PermissionDenied(_("This file is for ticket holders or subscribers."))
    return asset


# --- listings ------------------------------------------------------------------------


def _public_lessons() -> QuerySet[Lesson]:
    return Lesson.objects.filter(status=Status.PUBLISHED, is_visible=True)


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(
        status=Status.PUBLISHED,
        is_visible=True,
        channel__status="published",
        channel__hidden_by_moderation=False,
    )


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
    owner = _is_owner(user, course.channel)
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
                has_course = market.entitlement_check(user=user, course=course)
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
    if not _is_owner(user, lesson.channel):
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


def channel_articles(*, channel: Channel, user: User) -> list[Article]:
    qs = Article.objects.filter(channel=channel).select_related("channel")
    if not _is_owner(user, channel):
        qs = qs.filter(status=Status.PUBLISHED, is_visible=True)
    return list(qs.order_by("-published_at", "-id"))


class Progress(TypedDict):
    course: str
    done: list[int]
    done_count: int
    total: int
    percent: int
    resume_lesson: int | None


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


def api_lessons(*, course: Course | None = None) -> QuerySet[Lesson]:
    qs = (
        _public_lessons()
        .filter(
            course__status="published",
            course__hidden_by_moderation=False,
            course__channel__status="published",
            course__channel__hidden_by_moderation=False,
        )
        .select_related("course", "course__channel", "course__channel__creator", "required_tier")
        .order_by("course_id", "position", "id")
    )
    if course is not None:
        qs = qs.filter(course=course)
    return qs


def api_articles(*, channel: Channel | None = None) -> QuerySet[Article]:
    qs = public_articles().select_related("channel", "channel__creator", "required_tier")
    if channel is not None:
        qs = qs.filter(channel=channel)
    return qs.order_by("-published_at", "-id")


# --- studio --------------------------------------------------------------------------


class StudioItems(TypedDict):
    lessons: Sequence[Lesson]  # each with revision_count
    articles: Sequence[Article]  # each with revision_count
    courses: list[Course]
    channels: list[Channel]


def studio_items(*, user: User) -> StudioItems:
    lessons = list(
        Lesson.objects.filter(course__channel__creator__user_id=user.pk)
        .select_related("course", "section")
        .annotate(revision_count=Count("revisions"))
        .order_by("course_id", "position", "id")
    )
    articles = list(
        Article.objects.filter(channel__creator__user_id=user.pk)
        .select_related("channel")
        .annotate(revision_count=Count("revisions"))
        .order_by("-updated_at")
    )
    courses = list(
        Course.objects.filter(channel__creator__user_id=user.pk)
        .prefetch_related(Prefetch("sections", queryset=Section.objects.all()))
        .order_by("title")
    )
    channels = list(Channel.objects.filter(creator__user_id=user.pk).order_by("title"))
    return {"lessons": lessons, "articles": articles, "courses": courses, "channels": channels}


def item_get_for_editor(*, kind: str, pk: int, user: User) -> ContentItem:
    item: ContentItem | None
    if kind == "lesson":
        item = (
            Lesson.objects.select_related("course", "course__channel", "course__channel__creator")
            .filter(pk=pk, course__channel__creator__user_id=user.pk)
            .first()
        )
    elif kind == "article":
        item = (
            Article.objects.select_related("channel", "channel__creator")
            .filter(pk=pk, channel__creator__user_id=user.pk)
            .first()
        )
    else:
        item = None
    if item is None:
        raise Http404
    return item


def item_revisions(*, item: ContentItem) -> list[Revision]:
    return list(item.revisions.select_related("author").order_by("-number"))
