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
    if isinstance(target, CreatorProfile):
        kind, lookup = "creator", {"creator": target}
    else:
        kind, lookup = "channel", {"channel": target}
    owner_id = target.user_id if kind == "creator" else target.creator.user_id  # type: ignore[union-attr]
    return {
        "kind": kind,
        "target": target,
        "count": selectors.follower_count(**lookup),
        "following": user is not None and selectors.is_following(user=user, **lookup),
        "signed_in": user is not None and user.is_authenticated,
        "own": user is not None and user.is_authenticated and user.pk == owner_id,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
