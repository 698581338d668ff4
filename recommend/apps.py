from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    name = "recommend"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from recommend import listeners  # it imports models: only once the registry is ready

        listeners.subscribe()
