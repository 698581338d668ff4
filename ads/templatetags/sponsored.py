"""`{% sponsored "catalogue" %}`: at most one labelled sponsored card for a list."""

from django import template

from ads import selectors, services

register = template.Library()


def _user(request):  # type: ignore[no-untyped-def]
    return request.user if request.user.is_authenticated else None


@register.inclusion_tag("ads/sponsored_card.html", takes_context=True)
def sponsored(context, placement: str) -> dict:
    request = context.get("request")
    if request is None:
        return {"sponsored": None}
    return {
        "sponsored": selectors.sponsored_pick(
            placement=placement, user=_user(request), viewer=services.viewer_for(request)
        ),
        "request": request,
    }
