from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Points and referrals")

    def ready(self) -> None:
        from rewards import listeners  # it imports models: only once the registry is ready

        listeners.subscribe()
