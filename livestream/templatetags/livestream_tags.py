from django import template

from livestream import console_selectors

register = template.Library()


@register.inclusion_tag("livestream/includes/channel_tip_leaders.html")
def channel_tip_leaderboard(channel):
    """The channel's top tippers over all its sessions (anonymous tippers left out)."""
    return {"leaders": console_selectors.tip_leaderboard(channel=channel)}
