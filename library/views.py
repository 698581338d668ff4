"""My learning: the library page, "add to calendar" files and the secret feed."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from library import ics, selectors, services
from livestream.selectors import session_get_for_user


def _calendar_response(body: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def library(request: AuthenticatedHttpRequest) -> HttpResponse:
    feed = services.calendar_feed_get_or_create(user=request.user)
    feed_url = request.build_absolute_uri(reverse("library:calendar_feed", args=[feed.token]))
    return render(
        request,
        "library/library.html",
        {"library": selectors.library_for_user(user=request.user), "feed_url": feed_url},
    )


def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One session as a calendar file: anyone who may see the session's page."""
    # Visitors too: the selector shows them public sessions only.
    session = session_get_for_user(pk=pk, user=cast(User, request.user))
    body = ics.calendar([session], name=session.title)
    return _calendar_response(body, filename=f"session-{session.pk}.ics")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The learner's upcoming sessions for a calendar app to subscribe to; the token
    in the URL is the only credential (calendar apps hold no session cookie)."""
    user, sessions = selectors.calendar_feed_sessions(token=token)
    body = ics.calendar(sessions, name=_("Zhiliao: %(name)s") % {"name": user.public_name})
    return _calendar_response(body, filename="zhiliao.ics")


@login_required
@require_POST
def calendar_feed_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.calendar_feed_reset(user=request.user)
    messages.success(
        request, _("Your calendar link changed. The old one no longer works: add the new one.")
    )
    return redirect("library:library")
