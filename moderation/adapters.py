"""Registers the marketplace's channels and courses and livestream's sessions with
moderation (those apps keep their own models; moderation only needs to read and hide
them). Channels and courses have `hidden_by_moderation`; a live session has no
visibility field, so its review item is the record and marketplace selectors leave
out sessions whose item is not approved."""

from moderation import registry


def _catalogue_changed() -> None:
    from marketplace.catalogue_cache import bump_on_change

    bump_on_change(sender=None)  # cached catalogue pages must not show stale visibility


def _set_hidden(obj, visible: bool) -> None:
    if obj.hidden_by_moderation != (not visible):
        type(obj).objects.filter(pk=obj.pk).update(hidden_by_moderation=not visible)
        obj.hidden_by_moderation = not visible
        _catalogue_changed()


def _channel_set_visible(channel, visible: bool) -> None:
    _set_hidden(channel, visible)


def _course_set_visible(course, visible: bool) -> None:
    _set_hidden(course, visible)


def _session_set_visible(session, visible: bool) -> None:
    """Nothing to switch: selectors read the session's review item."""
    _catalogue_changed()


def _join(*parts) -> str:
    return "\n".join(p for p in parts if p)


def register_all() -> None:
    from livestream.models import LiveSession
    from marketplace.models import Channel, Course

    registry.register(
        Channel,
        text=lambda c: _join(c.title, c.tagline, c.description),
        author=lambda c: c.creator.user,
        url=lambda c: c.get_absolute_url(),
        set_visible=_channel_set_visible,
        channel=lambda c: c,
    )
    registry.register(
        Course,
        text=lambda c: _join(c.title, c.summary, c.description),
        author=lambda c: c.channel.creator.user,
        url=lambda c: c.get_absolute_url(),
        set_visible=_course_set_visible,
        channel=lambda c: c.channel,
    )
    registry.register(
        LiveSession,
        text=lambda s: _join(s.title, s.description),
        author=lambda s: s.channel.creator.user,
        url=lambda s: s.get_absolute_url(),
        set_visible=_session_set_visible,
        channel=lambda s: s.channel,
    )
