"""What livestream puts on the pages of the apps below it (core/page_parts.py): a
channel's tip leaderboard, and the studio's links to live sessions."""

from typing import Any

from django.template import Context
from django.utils.translation import gettext_lazy as _

from core import page_parts
from livestream.templatetags import livestream_tags
from marketplace.models import Channel


def _channel_tip_leaders(context: Context, channel: Channel) -> dict[str, Any]:
    return livestream_tags.channel_tip_leaderboard(channel)


channel_tip_leaders = page_parts.inclusion(
    "livestream/includes/channel_tip_leaders.html", _channel_tip_leaders
)
studio_sessions_button = page_parts.link(
    _("Live sessions"), "livestream:studio_sessions", css="button button-secondary", before="\n    "
)
schedule_session_link = page_parts.link(
    _("Schedule a session"), "livestream:session_create", args=lambda channel: [channel.slug]
)


def register() -> None:
    page_parts.register("channel_tip_leaders", channel_tip_leaders)
    page_parts.register("studio_buttons", studio_sessions_button)
    page_parts.register("studio_channel_links", schedule_session_link, order=10)
