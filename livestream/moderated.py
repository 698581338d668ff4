"""Livestream's side of moderation: live sessions registered as moderated content
(a ban's effect on open rooms is in livestream.listeners).

A session has no visibility field: its review item is the record, and the
catalogue's selectors leave out sessions whose item is not approved.
"""

from django.db import transaction

from core.pictures import picture_replace, picture_url
from livestream.models import LiveSession, RoomEvent, RoomQuestion
from livestream.services.chat import chat_message_set_visible
from livestream.services.questions import question_set_visible
from marketplace import catalogue_cache
from marketplace.access import entitlement_check
from moderation import registry


@transaction.atomic
def session_set_visible(session: LiveSession, visible: bool) -> None:
    """Nothing to switch (selectors read the session's review item); cached catalogue
    pages must not keep showing the old state."""
    catalogue_cache.bump_on_change(sender=LiveSession)


def session_cover_remove(session: LiveSession) -> None:
    """Remove a session's own cover as a moderator decided (the files leave after
    commit; pages show the channel's cover, or the placeholder)."""
    picture_replace(instance=session, field="cover", shape="cover", upload=None)


def moderation_register() -> None:
    """Called from LivestreamConfig.ready()."""
    registry.register(
        LiveSession,
        text=lambda s: registry.public_text(s.title, s.description),
        author=lambda s: s.channel.creator.user,
        url=lambda s: s.get_absolute_url(),
        set_visible=session_set_visible,
        channel=lambda s: s.channel,
        picture=lambda s: picture_url(s.cover, "card"),
        picture_remove=session_cover_remove,
    )
    # Chat messages: the screening classifier holds some, viewers report others from
    # the room; both wait in the review queue. Hiding one deletes it from history and
    # from every open screen.
    registry.register(
        RoomEvent,
        text=lambda e: str(e.payload.get("text", "")),
        author=lambda e: e.author,
        url=lambda e: e.session.get_absolute_url(),
        set_visible=chat_message_set_visible,
        channel=lambda e: e.session.channel,
        kind="chat",
        readable_by=lambda e, user: (
            e.kind == RoomEvent.Kind.CHAT and entitlement_check(user=user, live_session=e.session)
        ),
    )
    # Questions on a room's board: viewers report them from the room like chat, and
    # the classifier weighs them against chat's threshold (live room text, the same).
    registry.register(
        RoomQuestion,
        text=lambda q: q.text,
        author=lambda q: q.author,
        url=lambda q: q.session.get_absolute_url(),
        set_visible=question_set_visible,
        channel=lambda q: q.session.channel,
        kind="chat",
        readable_by=lambda q, user: entitlement_check(user=user, live_session=q.session),
    )
