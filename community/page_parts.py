"""What community puts on the pages of the apps below it (core/page_parts.py): the
follow button on creator and channel pages, Open Graph tags and the share box on
sessions, courses, channels and answers. Those templates leave the places open with
`{% part "…" obj %}`; they never load anything of community's."""

from typing import Any

from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from community import selectors, sharing
from core import page_parts
from marketplace.models import Channel, CreatorProfile


def follow_button(context: Context, target: CreatorProfile | Channel) -> SafeString:
    """The follower count and a Follow/Following button."""
    request = context.get("request")
    user = getattr(request, "user", None)
    owner = target if isinstance(target, CreatorProfile) else target.creator
    signed_in = bool(user is not None and user.is_authenticated)
    return render_to_string(
        "community/_follow_button.html",
        {
            "kind": "creator" if isinstance(target, CreatorProfile) else "channel",
            "target": target,
            "count": selectors.follower_count(target=target),
            "following": user is not None and selectors.is_following(user=user, target=target),
            "signed_in": signed_in,
            "own": user is not None and signed_in and user.pk == owner.user_id,
            "next": request.get_full_path() if request is not None else "",
            "csrf_token": context.get("csrf_token"),
        },
    )


def share_meta(context: Context, obj: Any) -> SafeString:
    """Open Graph and Twitter-card tags for a shared page (in `{% block og %}`)."""
    return render_to_string("community/_share_meta.html", {"meta": sharing.share_meta(obj)})


def share_links(context: Context, obj: Any) -> SafeString:
    """The share box: the page's link, its poster (for sessions and courses), and for a
    channel its calendar and RSS feeds."""
    return render_to_string(
        "community/_share_links.html",
        {"meta": sharing.share_meta(obj), "obj": obj, "is_channel": isinstance(obj, Channel)},
        request=context.get("request"),
    )


def register() -> None:
    page_parts.register("follow_button", follow_button)
    page_parts.register("share_meta", share_meta)
    page_parts.register("share_links", share_links)
