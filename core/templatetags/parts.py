from typing import Any

from django import template
from django.template import Context
from django.utils.safestring import SafeString

from core import page_parts

register = template.Library()


@register.simple_tag(takes_context=True)
def part(context: Context, name: str, obj: Any = None) -> SafeString:
    """`{% part "follow_button" channel %}`: what the higher apps registered for that
    place (core/page_parts.py), or nothing; `{% part "for_you" %}` for a place about no
    one object."""
    return page_parts.render(name, context, obj)
