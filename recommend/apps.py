from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    name = "recommend"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        # They import models: only once the registry is ready.
        from recommend import listeners, page_parts, personal_data

        listeners.subscribe()
        personal_data.register()
        page_parts.register()
