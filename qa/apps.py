from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        # They import models: only once the registry is ready.
        from qa import moderated, page_parts, personal_data

        moderated.register()
        personal_data.register()
        page_parts.register()
