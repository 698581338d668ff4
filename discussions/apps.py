from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Discussions")

    def ready(self):
        from discussions import selectors, services
        from discussions.models import Reply, Thread
        from moderation import registry

        registry.register(
            Thread,
            text=lambda t: f"{t.title}\n{t.body}",
            author=lambda t: t.author,
            url=lambda t: t.get_absolute_url(),
            set_visible=services.thread_set_visible,
            channel=lambda t: getattr(t.target, "channel", None),
            readable_by=lambda t, user: _readable(selectors.thread_get_for_user, t, user),
        )
        registry.register(
            Reply,
            text=lambda r: r.body,
            author=lambda r: r.author,
            url=lambda r: r.get_absolute_url(),
            set_visible=services.reply_set_visible,
            channel=lambda r: getattr(r.thread.target, "channel", None),
            readable_by=lambda r, user: _readable(selectors.reply_get_for_user, r, user),
        )


def _readable(get_for_user, obj, user) -> bool:
    """Whether the discussion's own read check lets `user` see `obj`."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    try:
        get_for_user(pk=obj.pk, user=user)
    except (Http404, PermissionDenied):
        return False
    return True
