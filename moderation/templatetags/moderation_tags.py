"""`{% load moderation_tags %}{% report_link obj %}`: a small "Report" form for any
content moderation looks after (nothing for anonymous visitors or the author)."""

from django import template
from django.contrib.contenttypes.models import ContentType

from moderation import registry

register = template.Library()


@register.inclusion_tag("moderation/includes/report_link.html", takes_context=True)
def report_link(context, obj):
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(user and user.is_authenticated and obj is not None and getattr(obj, "pk", None))
    if show:
        try:
            adapter = registry.adapter_for(obj)
            author = adapter.author(obj)
            show = author is None or user is None or author.pk != user.pk
        except LookupError:
            show = False
    return {
        "show": show,
        "content_type_id": ContentType.objects.get_for_model(obj).pk if show else None,
        "object_id": getattr(obj, "pk", None),
        "next": request.get_full_path() if request else "",
    }
