from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Discussions")

    def ready(self) -> None:
        # Imported here: it imports the models, which are not loaded before ready().
        from discussions import moderated, page_parts, personal_data

        moderated.register()
        personal_data.register()
        page_parts.register()
