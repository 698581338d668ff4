from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = _("Live sessions")

    def ready(self) -> None:
        # These modules load models: only once the app registry is ready. tasks: the
        # services queue them by name (livestream.jobs), so they must be registered.
        from livestream import listeners, moderated, page_parts, personal_data, tasks, tickets  # noqa: F401

        listeners.connect()
        moderated.moderation_register()
        tickets.register()
        personal_data.register()
        page_parts.register()
