from datetime import datetime

from django import template

from core.timezones import format_when

register = template.Library()


@register.filter(name="when")
def when_filter(moment: datetime | None) -> str:
    """`{{ session.scheduled_start|when }}` -> "12月8日 周二 20:00" in Chinese, "Tue 8
    Dec 20:00" in English, in the viewer's time zone."""
    if moment is None:
        return ""
    return format_when(moment)
