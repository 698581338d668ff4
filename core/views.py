"""View helpers several apps share: a form posted to a service, a button that runs one.

No views live here (core has no URLs); these own the two idioms the apps' pages repeat.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

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
