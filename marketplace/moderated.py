"""Marketplace's side of moderation: channels and courses registered as moderated
content, the services that show or hide them, and the verified-expert badge.

Moderation (a lower layer) never imports marketplace. It reads and switches channels
and courses through what `moderation_register()` hands its registry, asks here who
is a creator and who is verified, and announces verification decisions as events
(`marketplace.listeners`).
"""

from django.db import transaction

from core.pictures import picture_replace, picture_url
from marketplace import catalogue_cache
from marketplace.access import creator_is, creator_is_verified
from marketplace.models import Channel, Course, CreatorProfile
from moderation import registry


def _hidden_set(obj: Channel | Course, *, visible: bool) -> None:
    if obj.hidden_by_moderation != (not visible):
        type(obj).objects.filter(pk=obj.pk).update(hidden_by_moderation=not visible)
        obj.hidden_by_moderation = not visible
        # A queryset update sends no post_save: cached catalogue pages must not show
        # the old visibility.
        catalogue_cache.bump_on_change(sender=type(obj))


@transaction.atomic
def channel_set_visible(channel: Channel, visible: bool) -> None:
    """Show or hide a channel as moderators decided (its own status is the creator's)."""
    _hidden_set(channel, visible=visible)


@transaction.atomic
def course_set_visible(course: Course, visible: bool) -> None:
    """Show or hide a course as moderators decided (its own status is the creator's)."""
    _hidden_set(course, visible=visible)


def listing_cover_remove(listing: Channel | Course) -> None:
    """Remove a channel's or course's cover as a moderator decided (the files leave
    after commit; pages show the placeholder)."""
    picture_replace(instance=listing, field="cover", shape="cover", upload=None)


def _cover_url(listing: Channel | Course) -> str:
    return picture_url(listing.cover, "card")


@transaction.atomic
def creator_verified_set(*, user_id: int) -> int:
    """Give the creator profile of `user_id` the verified-expert badge (a moderator
    approved their application). Returns how many profiles changed (0 or 1)."""
    changed = CreatorProfile.objects.filter(user_id=user_id, is_verified=False).update(
        is_verified=True
    )
    if changed:
        catalogue_cache.bump_on_change(sender=CreatorProfile)  # cards show the badge
    return changed


def moderation_register() -> None:
    """Called from MarketplaceConfig.ready()."""
    registry.register(
        Channel,
        text=lambda c: registry.public_text(c.title, c.tagline, c.description),
        author=lambda c: c.creator.user,
        url=lambda c: c.get_absolute_url(),
        set_visible=channel_set_visible,
        channel=lambda c: c,
        picture=_cover_url,
        picture_remove=listing_cover_remove,
    )
    registry.register(
        Course,
        text=lambda c: registry.public_text(c.title, c.summary, c.description),
        author=lambda c: c.channel.creator.user,
        url=lambda c: c.get_absolute_url(),
        set_visible=course_set_visible,
        channel=lambda c: c.channel,
        picture=_cover_url,
        picture_remove=listing_cover_remove,
    )
    registry.creators_register(is_creator=creator_is, is_verified=creator_is_verified)
