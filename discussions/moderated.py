"""How moderation reads and switches threads and replies: registered with
moderation's registry from DiscussionsConfig.ready (moderation never imports
discussions)."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from accounts.models import User
from discussions import selectors, services
from discussions.models import Reply, Thread
from moderation import registry


def _thread(obj: Model) -> Thread:
    if not isinstance(obj, Thread):
        raise TypeError(f"{obj!r} is no discussion thread")
    return obj


def _reply(obj: Model) -> Reply:
    if not isinstance(obj, Reply):
        raise TypeError(f"{obj!r} is no discussion reply")
    return obj


def _channel(target: Model | None) -> Model | None:
    """The channel of what is discussed (a session's or a course's), if it has one."""
    channel: Model | None = getattr(target, "channel", None)
    return channel


def _readable(get_for_user: Callable[..., Model], obj: Model, user: Model) -> bool:
    """Whether the discussion's own read check lets `user` see `obj`."""
    if not isinstance(user, User):
        return False
    try:
        get_for_user(pk=obj.pk, user=user)
    except (Http404, PermissionDenied):
        return False
    return True


def register() -> None:
    registry.register(
        Thread,
        text=lambda t: f"{_thread(t).title}\n{_thread(t).body}",
        author=lambda t: _thread(t).author,
        url=lambda t: _thread(t).get_absolute_url(),
        set_visible=lambda t, visible: services.thread_set_visible(_thread(t), visible),
        channel=lambda t: _channel(_thread(t).target),
        readable_by=lambda t, user: _readable(selectors.thread_get_for_user, t, user),
    )
    registry.register(
        Reply,
        text=lambda r: _reply(r).body,
        author=lambda r: _reply(r).author,
        url=lambda r: _reply(r).get_absolute_url(),
        set_visible=lambda r, visible: services.reply_set_visible(_reply(r), visible),
        channel=lambda r: _channel(_reply(r).thread.target),
        readable_by=lambda r, user: _readable(selectors.reply_get_for_user, r, user),
    )
