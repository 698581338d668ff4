"""marketplace's personal data (accounts.personal_data), registered from
MarketplaceConfig.ready(): the creator profile and catalogue, and entitlements
(what the person may watch: tickets, subscriptions, courses)."""

from django.utils.translation import gettext as _

from accounts import personal_data
from accounts.models import User
from marketplace.models import Channel, Course, CreatorProfile, Entitlement, PublicationStatus
from payments.models import Subscription

rows = personal_data.rows


def creator_blockers(user: User) -> list[str]:
    subscribers = (
        Subscription.objects.filter(
            tier__channel__creator__user=user, status__in=["active", "trialing", "past_due"]
        )
        .values("user_id")
        .distinct()
        .count()
    )
    if not subscribers:
        return []
    return [
        _(
            "%(n)d people subscribe to your channels: close your tiers and let the paid "
            "periods end first."
        )
        % {"n": subscribers}
    ]


def creator_erase(user: User, remove_contributions: bool) -> None:
    """The public face goes: the profile is renamed, emptied and its catalogue
    unpublished (saved one by one, so the catalogue's cache hears of it)."""
    profile = CreatorProfile.objects.filter(user=user).first()
    if profile is None:
        return
    for item in [
        *Channel.objects.filter(creator=profile),
        *Course.objects.filter(channel__creator=profile),
    ]:
        item.status = PublicationStatus.DRAFT
        item.save(update_fields=["status"])
    profile.display_name = str(_("deleted user"))
    profile.slug = f"deleted-{profile.pk}"
    profile.headline = profile.bio = ""
    profile.save(update_fields=["display_name", "slug", "headline", "bio"])
    profile.topics.clear()


def creator_export(user: User) -> personal_data.Rows:
    return (
        rows(CreatorProfile.objects.filter(user=user),
             "slug display_name headline bio is_verified created_at")
        + rows(Channel.objects.filter(creator__user=user), "id title status created_at")
        + rows(Course.objects.filter(channel__creator__user=user), "id title status created_at")
    )  # fmt: skip


def register() -> None:
    personal_data.register(
        "creator_profile",
        export=creator_export,
        erase=creator_erase,
        blockers=creator_blockers,
        order=50,
    )
    personal_data.register_rows(
        "entitlements",
        lambda user: Entitlement.objects.filter(user=user),
        "source course_id live_session_id tier_id starts_at ends_at revoked_at",
    )
