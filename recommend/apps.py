from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    name = "recommend"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        # listeners imports models: only once the app registry is ready
        from recommend import listeners

        listeners.connect_money()
