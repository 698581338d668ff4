from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from core import screening as core_screening


class ModerationConfig(AppConfig):
    """The screening engine, the review queue, reports, sanctions and verification.
    Other apps register their content kinds with `moderation.registry` from their own
    `ready()`; moderation imports none of them."""

    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # Modules that import models load once the app registry is ready.
        from accounts.events import PersonalDataViewed
        from accounts.models import User
        from core import events
        from moderation import personal_data, registry, services
        from moderation.middleware import user_logged_in_check
        from moderation.models import BlockedTerm
        from moderation.permissions import moderators_group_sync
        from moderation.screening import terms_changed

        # accounts (below moderation) screens names and bios through core.screening.
        core_screening.install(fields_screen=services.fields_screen)

        events.subscribe(PersonalDataViewed, services.on_personal_data_viewed)
        personal_data.register()

        # Users themselves can be reported (a profile, a pattern of abuse). There is
        # nothing to hide: a moderator who upholds the report sanctions the user.
        registry.register(
            User,
            text=lambda u: registry.public_text(u.display_name, u.bio),
            author=lambda u: u,
            url=lambda u: "",
            set_visible=lambda u, visible: None,
        )

        post_migrate.connect(moderators_group_sync, sender=self, dispatch_uid="moderators-group")
        user_logged_in.connect(user_logged_in_check, dispatch_uid="moderation-ban-on-login")

        def _terms_changed(sender: Any, **kwargs: Any) -> None:
            terms_changed()

        # Admin edits take effect on the next screened text, on every process.
        for signal in (post_save, post_delete):
            signal.connect(
                _terms_changed, sender=BlockedTerm, dispatch_uid=f"terms-{signal}", weak=False
            )
