"""The viewer's time zone: which names are zones, and dates written the way each
language writes them ("12月8日 周二 20:00", "Tue 8 Dec 20:00")."""

import zoneinfo
from datetime import date, datetime, tzinfo
from functools import cache

from django.utils import timezone, translation

# The cookie the browser's detected zone travels in (static/js/site.js sets it).
COOKIE = "zl_tz"
_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows ("Asia/Shanghai"), sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_get(name: str) -> tzinfo | None:
    """The zone called `name`, or None for anything that is not one (never raises:
    the name may come from a cookie)."""
    if not name or name not in zone_names():
        return None
    return zoneinfo.ZoneInfo(name)


def format_when(moment: datetime, *, language: str | None = None) -> str:
    """A date and time in the active zone, the way the language writes it."""
    local = timezone.localtime(moment)
    language = language or translation.get_language() or "en"
    if language.startswith("zh"):
        weekday = _ZH_WEEKDAYS[local.weekday()]
        return f"{local.month}月{local.day}日 周{weekday} {local:%H:%M}"
    weekday, month = _EN_WEEKDAYS[local.weekday()], _EN_MONTHS[local.month - 1]
    return f"{weekday} {local.day} {month} {local:%H:%M}"


def format_day(moment: date, *, language: str | None = None) -> str:
    """A date alone (a datetime in the active zone): "2026年12月8日", "8 Dec 2026"."""
    local = moment
    if isinstance(moment, datetime) and timezone.is_aware(moment):
        local = timezone.localtime(moment)
    language = language or translation.get_language() or "en"
    if language.startswith("zh"):
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.day} {_EN_MONTHS[local.month - 1]} {local.year}"


def format_stamp(moment: datetime, *, language: str | None = None) -> str:
    """A date with its year and a time, for records (receipts, history):
    "2026年12月8日 20:00", "8 Dec 2026 20:00"."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{format_day(local, language=language)} {local:%H:%M}"
