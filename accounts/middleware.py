from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation


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
