from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HooksConfig(AppConfig):
    name = "hooks"
    verbose_name = _("Creator webhooks")

    def ready(self) -> None:
        # They import models: only once the registry is ready.
        from hooks import listeners, page_parts, personal_data, tasks  # noqa: F401  (tasks register)

        listeners.subscribe()
        personal_data.register()
        page_parts.register()
