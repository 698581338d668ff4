from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from marketplace import catalogue_cache


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        # These modules load models: only once the app registry is ready.
        from accounts import profile_sections
        from core import events
        from marketplace import models, page_parts, personal_data, purchases
        from marketplace.listeners import on_expert_verification_decided
        from marketplace.moderated import moderation_register
        from marketplace.selectors import creator_get_for_user
        from moderation.events import ExpertVerificationDecided
        from payments.fulfilment import fulfilment_register

        # Payments grants and ends access to what marketplace sells, in the same
        # transaction as the money.
        fulfilment_register(purchases.MarketplaceFulfilment())

        # Tags and topics are set after the owner is saved, in the same transaction,
        # so the owner's post_save already covers them. Live sessions are livestream's:
        # it connects them itself (livestream.listeners).
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

        # Channels and courses are moderated content; verification decisions arrive
        # as events; the profile page shows the creator section.
        moderation_register()
        events.subscribe(ExpertVerificationDecided, on_expert_verification_decided)
        profile_sections.register(
            template="marketplace/includes/profile_creator.html",
            context=lambda user: {"creator": creator_get_for_user(user=user)},
        )
        personal_data.register()
        page_parts.register()
