"""Campaigns go through moderation's review queue before they run."""

from ads.models import Campaign
from ads.services import campaign_set_visible
from moderation import registry


def moderation_register() -> None:
    registry.register(
        Campaign,
        text=lambda c: registry.public_text(c.headline),
        author=lambda c: c.advertiser,
        url=lambda c: c.get_absolute_url(),
        set_visible=campaign_set_visible,
    )
