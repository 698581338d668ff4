from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone, translation

from accounts.services import user_time_zone_detected
from core.timezones import COOKIE, zone_get


class PreferredLanguageMiddleware:
    """Serve a logged-in user's preferred language on any device.

    Goes after LocaleMiddleware and AuthenticationMiddleware. An explicit choice in
    the language switcher (the language cookie) still wins, so one device can differ.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user else ""
        if (
            preferred
            and user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(preferred)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class TimeZoneMiddleware:
    """Show every date in the viewer's zone: the profile's setting, else the zone the
    browser reported (a cookie set by site.js), else the site's. A signed-in user
    without a setting gets the detected zone saved on their first visit, so e-mails
    and pages on other devices use it too. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        saved = getattr(user, "time_zone", "") if user is not None else ""
        detected = request.COOKIES.get(COOKIE, "")
        zone = zone_get(saved) or zone_get(detected)
        if not saved and zone is not None and user is not None and user.is_authenticated:
            user_time_zone_detected(user=user, name=detected)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
