"""Listings: published lessons and articles (pages, API, sitemap) and the creator's
studio."""

from collections.abc import Sequence
from typing import TypedDict

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from accounts.models import User
from content.models import Article, Lesson, Revision, Section, Status
from content.selectors.access import ContentItem, is_channel_owner
from marketplace.models import Channel, Course


def _public_lessons() -> QuerySet[Lesson]:
    return Lesson.objects.filter(status=Status.PUBLISHED, is_visible=True)


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(
        status=Status.PUBLISHED,
        is_visible=True,
        channel__status="published",
        channel__hidden_by_moderation=False,
    )


def channel_articles(*, channel: Channel, user: User) -> list[Article]:
    qs = Article.objects.filter(channel=channel).select_related("channel")
    if not is_channel_owner(user, channel):
        qs = qs.filter(status=Status.PUBLISHED, is_visible=True)
    return list(qs.order_by("-published_at", "-id"))


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
