"""`{% follow_button creator_or_channel %}`: the follower count and a Follow/Following
button, for pages of the apps below (they load the tag; they never import community)."""

from django import template

from community import selectors
from marketplace.models import Channel, CreatorProfile

register = template.Library()


@register.inclusion_tag("community/_follow_button.html", takes_context=True)
def follow_button(context, target: CreatorProfile | Channel) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    owner = target if isinstance(target, CreatorProfile) else target.creator
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "kind": "creator" if isinstance(target, CreatorProfile) else "channel",
        "target": target,
        "count": selectors.follower_count(target=target),
        "following": user is not None and selectors.is_following(user=user, target=target),
        "signed_in": signed_in,
        "own": user is not None and signed_in and user.pk == owner.user_id,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
