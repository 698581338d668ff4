"""Who may read what: visibility and paywall checks, permission-checked fetches,
what a viewer sees of a body, attachments."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from content import rendering
from content.models import Access, Article, Asset, Lesson
from livestream.models import LiveSession
from marketplace import access as market
from marketplace.models import Channel

ContentItem = Lesson | Article

Item = TypeVar("Item", Lesson, Article)


def is_channel_owner(user: User, channel: Channel) -> bool:
    """The channel's creator, or staff: they see drafts and everything paid."""
    return user.is_authenticated and (user.is_staff or channel.creator.user_id == user.pk)


def item_access_check(*, user: User, item: ContentItem) -> bool:
    """May this user read the whole of this lesson or article (and its files)?"""
    if item.access == Access.FREE:
        return True
    if is_channel_owner(user, item.channel):
        return True
    if not user.is_authenticated:
        return False
    course = item.course
    if item.access == Access.TICKET:
        return course is not None and market.entitlement_check(user=user, course=course)
    if item.access == Access.SUBSCRIBERS:
        return market.tier_subscriber_check(
            user=user, channel_id=item.channel.pk, required_tier=item.required_tier
        )
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


def _shown_or_404(item: Item | None, user: User) -> Item:
    """The item if its page is public or the user owns it, else Http404 (a draft or
    hidden item is never revealed)."""
    if item is None or not (_publicly_visible(item) or is_channel_owner(user, item.channel)):
        raise Http404
    return item


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
    return _shown_or_404(lesson, user)


def article_get_for_user(*, channel_slug: str, slug: str, user: User) -> Article:
    article = (
        Article.objects.select_related("channel", "channel__creator", "required_tier", "author")
        .filter(channel__slug=channel_slug, slug=slug)
        .first()
    )
    return _shown_or_404(article, user)


def _item_get_by_pk(model: type[Item], related: tuple[str, ...], pk: int, user: User) -> Item:
    return _shown_or_404(model.objects.select_related(*related).filter(pk=pk).first(), user)


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
    item = _shown_or_404(asset.item, user)
    if not item_access_check(user=user, item=item):
        raise PermissionDenied(_("This file is for ticket holders or subscribers."))
    return asset
