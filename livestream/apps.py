from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = _("Live sessions")

    def ready(self):
        # Both load models: only once the app registry is ready.
        from livestream import listeners, tasks  # noqa: F401 - tasks: the services queue them by name

        listeners.connect()
