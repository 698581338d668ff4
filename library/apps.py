from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = _("My learning")

    def ready(self) -> None:
        from library import page_parts  # it imports models: only once the registry is ready

        page_parts.register()
