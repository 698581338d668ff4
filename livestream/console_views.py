"""The host's console beyond the room socket: tip leaderboards, the tipper's
"stay anonymous" switch, and the channel's stream overlay (its secret URL for OBS,
the overlay page and the feed its script polls)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from livestream import console_selectors, overlays, selectors, services
from marketplace.selectors import channel_get_for_editor
from marketplace.studio_views import creator_required


@require_GET
def session_leaderboard(request, pk):
    """The session's top tippers (the room's script refreshes it after each tip)."""
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    return JsonResponse({"leaders": console_selectors.tip_leaderboard(session=session)})


@login_required
@require_POST
def leaderboard_opt_out(request):
    hidden = services.leaderboard_opt_out_set(
        user=request.user, hidden=request.POST.get("hidden") == "1"
    )
    messages.success(
        request,
        _("You stay anonymous: your tips are left off leaderboards and overlays.")
        if hidden
        else _("Your name shows on tip leaderboards again."),
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return redirect(target)


@creator_required
def studio_overlay(request, slug):
    """The channel's overlay URL for OBS's browser source, and a button to rotate it."""
    channel = channel_get_for_editor(user=request.user, slug=slug)
    if request.method == "POST":
        key = services.overlay_key_rotate(user=request.user, channel=channel)
        messages.success(request, _("New overlay URL made: the old one no longer works."))
    else:
        key = services.overlay_key_get_or_create(user=request.user, channel=channel)
    url = request.build_absolute_uri(reverse("livestream:overlay", args=[key.token]))
    return render(
        request,
        "livestream/studio/overlay.html",
        {"channel": channel, "overlay_url": url, "overlay_chat_url": url + "?chat=1"},
    )


@never_cache
@require_GET
def overlay(request, token):
    """The overlay page itself: no login, transparent, for OBS's browser source."""
    channel = overlays.overlay_channel_get(token=token)
    response = render(
        request,
        "livestream/overlay.html",
        {
            "channel": channel,
            "overlay": {
                "feed": reverse("livestream:overlay_feed", args=[token]),
                "chat": request.GET.get("chat") == "1",
                "labels": {"tipped": _("%(name)s tipped %(amount)s")},
            },
        },
    )
    response["Referrer-Policy"] = "no-referrer"  # the URL is the secret
    return response


@never_cache
@require_GET
def overlay_feed(request, token):
    channel = overlays.overlay_channel_get(token=token)
    try:
        session_id = int(request.GET["session"]) if request.GET.get("session") else None
        after = int(request.GET.get("after") or 0)
    except ValueError:
        return JsonResponse({"error": _("`session` and `after` are whole numbers.")}, status=400)
    return JsonResponse(
        overlays.overlay_feed(
            channel=channel, session_id=session_id, after=after, chat=request.GET.get("chat") == "1"
        )
    )
