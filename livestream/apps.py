from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _recheck_room_access(sender, *, user_ids, **kwargs):
    """A refund (or any revoked grant) ends the user's open room sockets at once."""
    from livestream.broadcast import room_control_publish

    room_control_publish(action="recheck", user_ids=list(user_ids))


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = _("Live sessions")

    def ready(self):
        from marketplace.signals import entitlements_revoked

        entitlements_revoked.connect(_recheck_room_access, dispatch_uid="livestream-recheck")

        # Moderation: live sessions are moderated content; a ban ends room sockets.
        # (Imported here: these modules import models, ready only in ready().)
        from core import events
        from livestream.moderation import moderation_register, on_sanction_imposed
        from moderation.events import SanctionImposed

        moderation_register()
        events.subscribe(SanctionImposed, on_sanction_imposed)
        from livestream import tickets  # imports models: only once the registry is ready

        tickets.register()
