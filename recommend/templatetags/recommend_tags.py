"""{% recommend_for_you %} on the home page; {% recommend_detail obj %} on channel,
course and session pages ("similar" and "because you watched X"). Each list shown
counts as one impression of its variant (one statement per list)."""

from django import template

from recommend import selectors, services
from recommend.items import item_key_for

register = template.Library()


def _shown(shown, request=None):
    if shown is not None and shown.items:
        services.event_record(
            user=None,
            kind="impression",
            value=len(shown.items),
            variant=shown.variant,
            request=request,
        )
        return shown
    return None


@register.inclusion_tag("recommend/row.html", takes_context=True)
def recommend_for_you(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        shown = selectors.recommendations_for_user(user=user)
    except Exception:  # noqa: BLE001 - a recommendation row must never break the page
        selectors.logger.exception("recommend: the for-you row failed")
        shown = None
    picker = False
    if request is not None and getattr(user, "is_authenticated", False):
        picker = selectors.topic_picker_due(user=user, session=request.session)
    return {
        "lists": [s for s in [_shown(shown, request)] if s],
        "request": request,
        "picker": picker,
    }


@register.inclusion_tag("recommend/row.html", takes_context=True)
def recommend_detail(context, obj):
    request = context.get("request")
    user = getattr(request, "user", None)
    lists = []
    try:
        key = item_key_for(obj)
        lists.append(_shown(selectors.similar_for_item(item=obj, user=user), request))
        if user is not None and user.is_authenticated:
            exclude = {key} if key else set()
            lists.append(_shown(selectors.because_you_watched(user=user, exclude=exclude), request))
    except Exception:  # noqa: BLE001
        selectors.logger.exception("recommend: the detail rows failed")
    return {"lists": [s for s in lists if s], "request": request}
