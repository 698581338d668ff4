"""Site-wide HTTP hardening that no single view should have to remember.

- Query strings with control characters are refused (400 naming the parameter):
  forms and serializers check the bodies they read, but many views read
  `request.GET` directly.
- Responses to a signed-in user (a session cookie or an API token) are
  `Cache-Control: private, no-store` unless the view said otherwise: wallet,
  earnings, receipts, rooms and every authenticated API answer carry personal or
  money data that no shared cache or back-button history should keep.
- Permissions-Policy switches off browser features the site never uses.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    JsonResponse,
)
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from core.validators import CONTROL_CHARACTERS_MESSAGE, control_character_find


def _query_control_characters(request: HttpRequest) -> str | None:
    """The first query parameter whose name or value holds a control character."""
    for name, values in request.GET.lists():
        for text in (name, *values):
            if control_character_find(text, multiline=False):
                return name
    return None


def _signed_in(request: HttpRequest) -> bool:
    """A session cookie, an Authorization header or a user already known: the answer
    may be personal. (Asking a lazy request.user would load the session and the
    user for every cached public page.)"""
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return False
    return bool(user is not None and user.is_authenticated)


class HardeningMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = _query_control_characters(request)
        if bad is not None:
            response: HttpResponse
            if request.path.startswith("/api/"):
                response = JsonResponse({bad: [str(CONTROL_CHARACTERS_MESSAGE)]}, status=400)
            else:
                response = HttpResponseBadRequest(
                    f"{bad}: {CONTROL_CHARACTERS_MESSAGE}", content_type="text/plain"
                )
        else:
            response = self.get_response(request)
        return self.harden(request, response)

    @staticmethod
    def harden(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        signed_in = _signed_in(request)
        if signed_in and "Cache-Control" not in response.headers:
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ("Cookie",))
        return response


class RequestLanguageMiddleware:
    """The language LocaleMiddleware and PreferredLanguageMiddleware activate lasts for
    the request, as TimeZoneMiddleware's zone does. Django's LocaleMiddleware activates
    and never restores: whatever runs next in the same thread (the test client's next
    test, a management command calling a view) would speak the last visitor's
    language. Goes before LocaleMiddleware so its Content-Language and redirects still
    see the request's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        previous = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            if previous is None:
                translation.deactivate_all()
            else:
                translation.activate(previous)
