from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        from qa import moderated  # it imports models: only once the registry is ready

        moderated.register()
