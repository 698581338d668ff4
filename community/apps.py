from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Following and feeds")

    def ready(self) -> None:
        # They import models: only once the registry is ready.
        from community import listeners, page_parts, personal_data, tasks  # noqa: F401  (tasks register)

        listeners.subscribe()
        personal_data.register()
        page_parts.register()
