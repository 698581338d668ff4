from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from marketplace import purchases  # imports models: only once the registry is ready
        from payments.fulfilment import fulfilment_register

        fulfilment_register(purchases.MarketplaceFulfilment())

        from marketplace import catalogue_cache, models

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
        # so the owner's post_save already covers them.
        from livestream.models import LiveSession

        # Scheduling, going live, ending and cancelling change the catalogue's
        # session list (and its LIVE badges).
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                catalogue_cache.bump_on_session_change,
                sender=LiveSession,
                dispatch_uid=f"catalogue-cache-LiveSession-{name}",
            )

        # Moderation: channels and courses are moderated content; verification
        # decisions arrive as events. The profile page shows the creator section.
        # (Imported here: these modules import models, ready only in ready().)
        from accounts import profile_sections
        from core import events
        from marketplace.listeners import on_expert_verification_decided
        from marketplace.moderation import moderation_register
        from marketplace.selectors import creator_get_for_user
        from moderation.events import ExpertVerificationDecided

        moderation_register()
        events.subscribe(ExpertVerificationDecided, on_expert_verification_decided)
        profile_sections.register(
            template="marketplace/includes/profile_creator.html",
            context=lambda user: {"creator": creator_get_for_user(user=user)},
        )
