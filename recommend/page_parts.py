"""What recommend puts on the pages of the apps below it (core/page_parts.py): the
"for you" row on the home page, the "similar" and "because you watched" rows on channel,
course and session pages, the Analytics links of the studio and of an ended session,
and the watch-time beacon of a live room."""

from typing import Any

from django.template import Context
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core import page_parts
from livestream.models import LiveSession
from recommend.templatetags import recommend_tags

studio_audience_link = page_parts.link(
    _("Audience"), "recommend:audience", testid="studio-audience"
)
channel_analytics_link = page_parts.link(
    _("Analytics"),
    "recommend:channel_analytics",
    args=lambda channel: [channel.slug],
    testid="channel-analytics-link",
)
# For the host, once the session has started (or ended).
session_analytics_button = page_parts.link(
    _("Analytics"),
    "recommend:session_analytics",
    args=lambda session: [session.pk],
    testid="session-analytics",
    css="button button-secondary",
    before="",
    when=lambda session: session.status not in ("scheduled", "cancelled"),
)


def watch_time_script(context: Context, session: LiveSession) -> SafeString:
    """Counts the minutes a signed-in viewer watches (recommend:watch)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return SafeString("")
    return format_html(
        '<script src="{}" data-session="{}" data-url="{}" data-csrf="{}" defer></script>',
        static("js/watch-time.js"),
        session.pk,
        reverse("recommend:watch"),
        context.get("csrf_token", ""),
    )


def _for_you(context: Context, obj: Any) -> dict:
    return recommend_tags.recommend_for_you(context)


for_you_row = page_parts.inclusion("recommend/row.html", _for_you)
similar_rows = page_parts.inclusion("recommend/row.html", recommend_tags.recommend_detail)


def register() -> None:
    page_parts.register("for_you", for_you_row)
    page_parts.register("similar_items", similar_rows)
    page_parts.register("studio_links", studio_audience_link, order=10)
    page_parts.register("studio_channel_links", channel_analytics_link, order=20)
    page_parts.register("session_host_actions", session_analytics_button)
    page_parts.register("room_scripts", watch_time_script)
