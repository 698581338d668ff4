from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Discussions")

    def ready(self):
        from discussions import services
        from discussions.models import Reply, Thread
        from moderation import registry

        registry.register(
            Thread,
            text=lambda t: f"{t.title}\n{t.body}",
            author=lambda t: t.author,
            url=lambda t: t.get_absolute_url(),
            set_visible=services.thread_set_visible,
            channel=lambda t: getattr(t.target, "channel", None),
        )
        registry.register(
            Reply,
            text=lambda r: r.body,
            author=lambda r: r.author,
            url=lambda r: r.get_absolute_url(),
            set_visible=services.reply_set_visible,
            channel=lambda r: getattr(r.thread.target, "channel", None),
        )
