"""Livestream's side of moderation: live sessions registered as moderated content,
and live rooms reacting to moderators' sanctions.

A session has no visibility field: its review item is the record, and the
catalogue's selectors leave out sessions whose item is not approved.
"""

from django.db import transaction

from livestream.broadcast import room_control_publish
from livestream.models import LiveSession
from marketplace import catalogue_cache
from moderation import registry
from moderation.events import SanctionImposed


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


@transaction.atomic
def session_set_visible(session: LiveSession, visible: bool) -> None:
    """Nothing to switch (selectors read the session's review item); cached catalogue
    pages must not keep showing the old state."""
    catalogue_cache.bump_on_change(sender=LiveSession)


def on_sanction_imposed(event: SanctionImposed) -> None:
    """A site-wide or channel ban from moderators ends the user's room sockets."""
    if event.kind == "ban":
        room_control_publish(action="recheck", user_ids=[event.user_id])


def moderation_register() -> None:
    """Called from LivestreamConfig.ready()."""
    registry.register(
        LiveSession,
        text=lambda s: _join(s.title, s.description),
        author=lambda s: s.channel.creator.user,
        url=lambda s: s.get_absolute_url(),
        set_visible=session_set_visible,
        channel=lambda s: s.channel,
    )
