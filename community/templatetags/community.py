"""`{% follow_button creator_or_channel %}`: the follower count and a Follow/Following
button, for pages of the apps below (they load the tag; they never import community)."""

from django import template

from community import selectors, sharing
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


@register.inclusion_tag("community/_share_meta.html")
def share_meta(obj: object) -> dict:
    """Open Graph and Twitter-card tags for a shared page (in `{% block og %}`)."""
    return {"meta": sharing.share_meta(obj)}


@register.inclusion_tag("community/_share_links.html", takes_context=True)
def share_links(context, obj: object) -> dict:
    """The share box: the page's link, its poster (for sessions and courses), and for a
    channel its calendar and RSS feeds."""
    meta = sharing.share_meta(obj)
    return {"meta": meta, "obj": obj, "is_channel": isinstance(obj, Channel)}
