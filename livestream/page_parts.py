"""What livestream puts on the pages of the apps below it (core/page_parts.py): a
channel's tip leaderboard, and the studio's links to live sessions."""

from typing import Any

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import page_parts
from livestream.templatetags import livestream_tags
from marketplace.models import Channel, CreatorProfile


def _channel_tip_leaders(context: Context, channel: Channel) -> dict[str, Any]:
    return livestream_tags.channel_tip_leaderboard(channel)


channel_tip_leaders = page_parts.inclusion(
    "livestream/includes/channel_tip_leaders.html", _channel_tip_leaders
)


def studio_sessions_button(context: Context, creator: CreatorProfile) -> SafeString:
    return format_html(
        '\n    <a class="button button-secondary" href="{}">{}</a>',
        reverse("livestream:studio_sessions"),
        _("Live sessions"),
    )


def schedule_session_link(context: Context, channel: Channel) -> SafeString:
    return format_html(
        ' · <a href="{}">{}</a>',
        reverse("livestream:session_create", args=[channel.slug]),
        _("Schedule a session"),
    )


def register() -> None:
    page_parts.register("channel_tip_leaders", channel_tip_leaders)
    page_parts.register("studio_buttons", studio_sessions_button)
    page_parts.register("studio_channel_links", schedule_session_link, order=10)
