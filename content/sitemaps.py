"""/sitemap.xml: published channels, courses, lessons and articles (URLs only; paid
pages show visitors their preview)."""

from django.contrib.sitemaps import Sitemap

from content.models import Lesson, Status
from content.selectors import public_articles
from marketplace.models import Channel, Course


class ChannelSitemap(Sitemap):
    def items(self):
        return Channel.objects.filter(status="published", hidden_by_moderation=False).order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


class CourseSitemap(Sitemap):
    def items(self):
        return Course.objects.filter(
            status="published",
            hidden_by_moderation=False,
            channel__status="published",
            channel__hidden_by_moderation=False,
        ).order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


class LessonSitemap(Sitemap):
    def items(self):
        return (
            Lesson.objects.filter(
                status=Status.PUBLISHED,
                is_visible=True,
                course__status="published",
                course__hidden_by_moderation=False,
                course__channel__status="published",
                course__channel__hidden_by_moderation=False,
            )
            .select_related("course")
            .order_by("pk")
        )

    def lastmod(self, obj):
        return obj.updated_at


class ArticleSitemap(Sitemap):
    def items(self):
        return public_articles().select_related("channel").order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


SITEMAPS = {
    "channels": ChannelSitemap,
    "courses": CourseSitemap,
    "lessons": LessonSitemap,
    "articles": ArticleSitemap,
}
