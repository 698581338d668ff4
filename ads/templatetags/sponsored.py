"""`{% sponsored "catalogue" %}`: at most one labelled sponsored card for a list."""

from django import template

from ads import selectors, services

register = template.Library()


@register.inclusion_tag("ads/sponsored_card.html", takes_context=True)
def sponsored(context, placement: str) -> dict:
    request = context.get("request")
    if request is None:
        return {"sponsored": None}
    user = request.user if request.user.is_authenticated else None
    if user is None and not request.session.session_key:
        request.session.save()  # a visitor's views are counted per browser session
    viewer = services.viewer_key(user=user, session_key=request.session.session_key)
    return {
        "sponsored": selectors.sponsored_pick(placement=placement, user=user, viewer=viewer),
        "request": request,
    }
