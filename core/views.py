"""View helpers several apps share: a form posted to a service, a button that runs one.

No views live here (core has no URLs); these own the two idioms the apps' pages repeat,
and the 404 handler config/urls.py names.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import defaults

from core.forms import apply_service_errors

T = TypeVar("T")


def form_save(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    then: str | Callable[[T], HttpResponse],
    done: str | Callable[[T], str] = "",
    errors: Callable[[forms.Form, ValidationError], None] = apply_service_errors,
) -> HttpResponse | None:
    """The POST half of a form page. On a POST the form validates, `save(cleaned_data)`
    calls the service; a ValidationError it raises lands on the form through `errors`.
    Saved: `done` (a message, or made from the result) is shown and the browser goes
    to `then` (a URL or URL name, or a response made from the result). None means
    "render the form" (a GET, or a POST with errors)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        errors(form, exc)
        return None
    message = done(result) if callable(done) else done
    if message:
        messages.success(request, message)
    return then(result) if callable(then) else redirect(then)


def flash_outcome(
    request: HttpRequest, act: Callable[[], T], done: str | Callable[[T], str]
) -> None:
    """Run a button's service: a ValidationError it raises is shown as an error message,
    success as `done` (a message, or made from the result). The caller redirects."""
    try:
        result = act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done(result) if callable(done) else done)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 page; under /api/ the API's error shape, `{"detail": ...}`
    (an address no route matches, such as /api/v1/threads/abc/, is still the API's)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
