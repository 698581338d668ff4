from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdsConfig(AppConfig):
    name = "ads"
    verbose_name = _("Sponsored listings")

    def ready(self) -> None:
        from ads import listeners, moderated

        moderated.moderation_register()
        listeners.subscribe()
