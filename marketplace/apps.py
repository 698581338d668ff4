from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from marketplace import catalogue_cache


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from marketplace import models  # only once the app registry is ready

        for model in (
            models.Category,
            models.Tag,
            models.CreatorProfile,
            models.Channel,
            models.SubscriptionTier,
            models.Course,
        ):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    catalogue_cache.bump_on_change,
                    sender=model,
                    dispatch_uid=f"catalogue-cache-{model.__name__}-{name}",
                )
        # Tags and topics are set after the owner is saved, in the same transaction,
        # so the owner's post_save already covers them. Live sessions are livestream's:
        # it connects them itself (livestream.listeners).
