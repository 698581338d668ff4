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


def _channel(target: Model | None) -> Model | None:
    """The channel of what is discussed (a session's or a course's), if it has one."""
    channel: Model | None = getattr(target, "channel", None)
    return channel


def _readable(get_for_user: Callable[..., Model], obj: Model, user: User) -> bool:
    """Whether the discussion's own read check lets `user` see `obj`."""
    try:
        get_for_user(pk=obj.pk, user=user)
    except (Http404, PermissionDenied):
        return False
    return True


def register() -> None:
    registry.register(
        Thread,
        text=lambda t: f"{t.title}\n{t.body}",
        author=lambda t: t.author,
        url=lambda t: t.get_absolute_url(),
        set_visible=services.thread_set_visible,
        channel=lambda t: _channel(t.target),
        readable_by=lambda t, user: _readable(selectors.thread_get_for_user, t, user),
    )
    registry.register(
        Reply,
        text=lambda r: r.body,
        author=lambda r: r.author,
        url=lambda r: r.get_absolute_url(),
        set_visible=services.reply_set_visible,
        channel=lambda r: _channel(r.thread.target),
        readable_by=lambda r, user: _readable(selectors.reply_get_for_user, r, user),
    )
