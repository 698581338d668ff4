"""Follow buttons and the Following page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from community import selectors, services
from core.views import flash_outcome
from marketplace.models import Channel, CreatorProfile


@login_required
@require_POST
def follow(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Follow or unfollow (`on` = "1" or "0") a creator or a channel, then back to the
    page the button was on."""
    on = request.POST.get("on") == "1"
    target: CreatorProfile | Channel
    if kind == "creator":
        target = get_object_or_404(CreatorProfile, pk=pk)
    else:
        target = get_object_or_404(Channel.objects.select_related("creator"), pk=pk)
    flash_outcome(
        request,
        lambda: services.follow_set(user=request.user, target=target, on=on),
        lambda now: (
            _("You follow it now: its new sessions and posts reach your Following feed.")
            if now
            else _("You no longer follow it.")
        ),
    )
    back = target.get_absolute_url()
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        back = wanted
    return redirect(back)


@login_required
def following(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Following feed: new sessions, courses, lessons, replays and public answers of
    the creators and channels the user follows."""
    return render(
        request,
        "community/following.html",
        {
            "items": selectors.feed_for(user=request.user),
            "follows": selectors.following_of(user=request.user)[:100],
        },
    )
