from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdsConfig(AppConfig):
    name = "ads"
    verbose_name = _("Sponsored listings")

    def ready(self) -> None:
        # Both import the models: only once the app registry is ready.
        from ads import listeners, moderated, page_parts, personal_data

        moderated.moderation_register()
        listeners.subscribe()
        personal_data.register()
        page_parts.register()
