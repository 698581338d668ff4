from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        from qa import moderated, personal_data  # they import models: once the registry is ready

        moderated.register()
        personal_data.register()
