from django import template
from django.conf import settings
from django.core.paginator import Paginator

from discussions import kinds, selectors
from discussions.models import Thread

register = template.Library()


@register.inclusion_tag("discussions/_area.html", takes_context=True)
def discussion_area(context, target):
    """The discussion area of a session or course page: its like button, threads
    (pinned first) and the new-thread form, as far as the viewer may see them."""
    request = context["request"]
    user = request.user
    kind = kinds.discussable_for_model(target)
    sort = request.GET.get("dsort", "newest")
    if sort not in selectors.SORTS:
        sort = "newest"
    access = selectors.area_access(user=user, target=target)
    threads, page = [], None
    if access["may_read"]:
        # ?dpage=N pages the threads without JavaScript; a bad number shows page 1
        # or the last page (Paginator.get_page), never an error.
        page = Paginator(
            selectors.threads_for_target(target=target, user=user, sort=sort),
            settings.DISCUSSIONS_PAGE_SIZE,
        ).get_page(request.GET.get("dpage"))
        threads = list(page.object_list)
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "target": target,
        "kind": kind.name,
        "sort": sort,
        "access": access,
        "threads": threads,
        "page": page,
        "liked_threads": selectors.liked_ids(user=user, model=Thread, ids=[t.pk for t in threads]),
        "target_liked": bool(selectors.liked_ids(user=user, model=type(target), ids=[target.pk])),
        "target_likes": selectors.like_count(target),
    }


@register.inclusion_tag("discussions/_like.html", takes_context=True)
def like_button(context, kind, obj, liked, count):
    return {
        "request": context["request"],
        "user": context["request"].user,
        "csrf_token": context.get("csrf_token"),
        "kind": kind,
        "obj": obj,
        "liked": liked,
        "count": count,
    }
