from datetime import date, datetime

from django import template

from core.timezones import format_day, format_stamp, format_when

register = template.Library()


@register.filter(name="when")
def when_filter(moment: datetime | None) -> str:
    """`{{ session.scheduled_start|when }}` -> "12月8日 周二 20:00" in Chinese, "Tue 8
    Dec 20:00" in English, in the viewer's time zone."""
    if moment is None:
        return ""
    return format_when(moment)


@register.filter(name="day")
def day_filter(moment: date | None) -> str:
    """`{{ subscription.paid_until|day }}` -> "2026年12月8日" in Chinese, "8 Dec 2026" in
    English, in the viewer's time zone."""
    if moment is None:
        return ""
    return format_day(moment)


@register.filter(name="stamp")
def stamp_filter(moment: datetime | None) -> str:
    """`{{ receipt.at|stamp }}` -> "2026年12月8日 20:00", "8 Dec 2026 20:00" (records,
    where the year matters), in the viewer's time zone."""
    if moment is None:
        return ""
    return format_stamp(moment)
