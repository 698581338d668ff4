"""View helpers several apps share: a form posted to a service, a button that runs one.

Core has no URLs of its own; these own the idioms the apps' pages repeat, and the
views config/urls.py names (the 404 handler, the covers and avatars).
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.static import serve

from core.forms import PictureForm, apply_service_errors
from core.pictures import PICTURE_DIR
from core.uploads import uploaded_file_headers

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


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    then: str | Callable[[T], HttpResponse],
    template: str,
    context: Callable[[], dict[str, Any]] = dict,
    done: str | Callable[[T], str] = "",
    errors: Callable[[forms.Form, ValidationError], None] = apply_service_errors,
    bad_request: bool = False,
) -> HttpResponse:
    """A whole form page: `form_save`, or else `template` drawn with the form and
    `context()` (called only when the page is drawn). `bad_request`: a form with
    errors comes back with status 400."""
    saved = form_save(request, form, save, then=then, done=done, errors=errors)
    if saved is not None:
        return saved
    status = 400 if bad_request and form.errors else 200
    return render(request, template, {"form": form, **context()}, status=status)


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


def picture_page(
    request: HttpRequest,
    *,
    update: Callable[[Any], None],
    current: Any,
    rendition: str,
    name: str,
    heading: str,
    back: str,
) -> HttpResponse:
    """The page that changes one picture (a cover or an avatar): a GET shows it and the
    form; a POST calls `update(upload or None)`, the app's service. A refused file is
    shown on the form with status 400 and nothing changes; saved, the browser goes
    `back`."""
    form = PictureForm(request.POST or None, request.FILES or None)
    saved = form_save(
        request,
        form,
        lambda data: update(None if data["remove"] else data["picture"]),
        then=back,
        done=_("Picture saved."),
        errors=lambda form, exc: form.add_error("picture", exc.messages),
    )
    if saved is not None:
        return saved
    context = {
        "form": form, "current": current, "rendition": rendition, "name": name,
        "heading": heading, "back": back,
    }  # fmt: skip
    return render(request, "core/picture_page.html", context, status=400 if form.errors else 200)


def public_picture(request: HttpRequest, path: str) -> HttpResponseBase:
    """A cover or avatar from MEDIA_ROOT/pictures/, with DEBUG off too (nginx may serve
    the folder itself, deploy/nginx-site.conf; with MEDIA_S3_BUCKET the URLs point at
    the bucket). Pictures are public by design: re-encoded, random folder names."""
    try:
        response = serve(request, path, document_root=str(Path(settings.MEDIA_ROOT) / PICTURE_DIR))
    except SuspiciousFileOperation:  # "../" tricks: the file is not there
        raise Http404 from None
    return uploaded_file_headers(response, public=True)
