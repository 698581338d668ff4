from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _terms_changed(sender, **kwargs):
    from moderation.screening import terms_changed

    terms_changed()


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from moderation.permissions import moderators_group_sync

        post_migrate.connect(moderators_group_sync, sender=self, dispatch_uid="moderators-group")

        from django.contrib.auth.signals import user_logged_in

        from moderation.middleware import user_logged_in_check

        user_logged_in.connect(user_logged_in_check, dispatch_uid="moderation-ban-on-login")

        from moderation import adapters
        from moderation.models import BlockedTerm

        adapters.register_all()

        # Admin edits take effect on the next screened text, on every process.
        for signal in (post_save, post_delete):
            signal.connect(_terms_changed, sender=BlockedTerm, dispatch_uid=f"terms-{signal}")
