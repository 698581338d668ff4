from typing import Any

from django import template
from django.template import Context
from django.utils.safestring import SafeString

from core import page_parts

register = template.Library()


@register.simple_tag(takes_context=True)
def part(context: Context, name: str, obj: Any) -> SafeString:
    """`{% part "follow_button" channel %}`: what a higher app registered for that place
    (core/page_parts.py), or nothing."""
    return page_parts.render(name, context, obj)
