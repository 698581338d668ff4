from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "assistant"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        # They import models: only once the registry is ready.
        from assistant import listeners, page_parts

        listeners.subscribe()
        page_parts.register()
