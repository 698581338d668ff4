"""What content puts on the pages of the apps below it (core/page_parts.py): a course's
outline, a channel's articles, and the studio's link to lessons and articles."""

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from content.templatetags import content_tags
from core import page_parts
from marketplace.models import CreatorProfile

course_outline = page_parts.inclusion(
    "content/includes/course_outline.html", content_tags.course_outline
)
channel_articles = page_parts.inclusion(
    "content/includes/channel_articles.html", content_tags.channel_articles
)


def studio_content_link(context: Context, creator: CreatorProfile) -> SafeString:
    return format_html(
        ' · <a href="{}" data-testid="studio-content">{}</a>',
        reverse("content:studio_list"),
        _("Lessons and articles"),
    )


def register() -> None:
    page_parts.register("course_outline", course_outline)
    page_parts.register("channel_articles", channel_articles)
    page_parts.register("studio_links", studio_content_link, order=50)
