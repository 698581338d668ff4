from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _recheck_room_access(sender, *, user_ids, **kwargs):
    """A refund (or any revoked grant) ends the user's open room sockets at once."""
    from livestream.broadcast import room_control_publish

    room_control_publish(action="recheck", user_ids=list(user_ids))


def _recheck_after_sanction(sender, *, sanction, **kwargs):
    """A site-wide or channel ban from moderators ends the user's room sockets."""
    if sanction.kind == "ban":
        _recheck_room_access(sender, user_ids=[sanction.user_id])


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = _("Live sessions")

    def ready(self):
        from marketplace.signals import entitlements_revoked
        from moderation.signals import sanction_imposed

        entitlements_revoked.connect(_recheck_room_access, dispatch_uid="livestream-recheck")
        sanction_imposed.connect(_recheck_after_sanction, dispatch_uid="livestream-sanction")
        from livestream import tickets  # imports models: only once the registry is ready

        tickets.register()
