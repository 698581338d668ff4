"""What the live rooms do when something happens below them; connected from
LivestreamConfig.ready().

- a grant revoked (a refund) or a moderators' ban: the user's open room sockets are
  checked again at once;
- a session scheduled, started, ended or cancelled: the catalogue's cached pages
  (which list live and upcoming sessions) are thrown away;
- marketplace's pages list live sessions through its listings registry.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save

from core import events
from livestream import selectors
from livestream.broadcast import room_control_publish
from livestream.models import LiveSession
from marketplace import catalogue_cache, listings
from marketplace.signals import entitlements_revoked
from moderation.events import SanctionImposed

# Saves of a live session that change nothing the catalogue shows (room settings the
# host flips during a broadcast); they need not throw every cached page away.
SESSION_ROOM_ONLY_FIELDS = frozenset({"slow_mode_seconds", "subscribers_only_chat"})


def room_access_recheck(sender: Any, *, user_ids: list[int], **kwargs: Any) -> None:
    """A refund (or any revoked grant) ends the user's open room sockets at once."""
    room_control_publish(action="recheck", user_ids=list(user_ids))


def on_sanction_imposed(event: SanctionImposed) -> None:
    """A site-wide or channel ban from moderators ends the user's room sockets."""
    if event.kind == "ban":
        room_control_publish(action="recheck", user_ids=[event.user_id])


def catalogue_bump(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Scheduling, going live, ending and cancelling change the catalogue's session
    list (and its LIVE badges); room-only saves do not."""
    if update_fields and set(update_fields) <= SESSION_ROOM_ONLY_FIELDS:
        return
    catalogue_cache.bump_on_change(sender, **kwargs)


def connect() -> None:
    entitlements_revoked.connect(room_access_recheck, dispatch_uid="livestream-recheck")
    events.subscribe(SanctionImposed, on_sanction_imposed)
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(
            catalogue_bump,
            sender=LiveSession,
            dispatch_uid=f"catalogue-cache-LiveSession-{name}",
        )
    listings.register(listings.HOME_SESSIONS, selectors.upcoming_sessions)
    listings.register(listings.CHANNEL_SESSIONS, selectors.upcoming_sessions)
    listings.register(listings.CATALOGUE_SESSIONS, selectors.catalogue_sessions)
