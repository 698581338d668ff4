"""What marketplace does when a lower app tells it something (see core.events).
Subscribed in MarketplaceConfig.ready()."""

from marketplace.moderated import creator_verified_set
from moderation.events import ExpertVerificationDecided


def on_expert_verification_decided(event: ExpertVerificationDecided) -> None:
    """A moderator approved a creator's application: the profile shows the badge."""
    if event.approved:
        creator_verified_set(user_id=event.user_id)
