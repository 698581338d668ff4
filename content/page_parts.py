"""What content puts on the pages of the apps below it (core/page_parts.py): a course's
outline, a channel's articles, and the studio's link to lessons and articles."""

from django.utils.translation import gettext_lazy as _

from content.templatetags import content_tags
from core import page_parts

course_outline = page_parts.inclusion(
    "content/includes/course_outline.html", content_tags.course_outline
)
channel_articles = page_parts.inclusion(
    "content/includes/channel_articles.html", content_tags.channel_articles
)
studio_content_link = page_parts.link(
    _("Lessons and articles"), "content:studio_list", testid="studio-content"
)


def register() -> None:
    page_parts.register("course_outline", course_outline)
    page_parts.register("channel_articles", channel_articles)
    page_parts.register("studio_links", studio_content_link, order=50)
