from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Lessons and articles")

    def ready(self):
        from content import services
        from content.models import Article, Lesson
        from moderation import registry

        for model in (Lesson, Article):
            registry.register(
                model,
                text=lambda item: f"{item.title}\n{item.summary}\n{item.body}",
                author=lambda item: item.author,
                url=lambda item: item.get_absolute_url(),
                set_visible=services.item_set_visible,
                channel=lambda item: item.channel,
                long_form=True,
            )
