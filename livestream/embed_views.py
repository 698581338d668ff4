"""/embed/live/<id>/: only the replay player, for an iframe on any site. These two
views alone may be framed (Content-Security-Policy frame-ancestors *, no
X-Frame-Options); every other page keeps frame-ancestors 'none'."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from livestream import embed

FRAMEABLE = {"frame-ancestors": ["*"]}


@require_GET
@xframe_options_exempt
def embed_player(request: HttpRequest, pk: int) -> HttpResponse:
    session = embed.embed_session_get(pk)
    if session is None:
        raise Http404
    refusal = embed.embed_refusal(session)
    page_url = settings.SITE_URL.rstrip("/") + session.get_absolute_url()
    response = render(
        request,
        "livestream/embed.html",
        {
            "session": session,
            "refusal": refusal,
            "page_url": page_url,
            "token_url": reverse("livestream:embed_playback", args=[session.pk]),
        },
        status=403 if refusal else 200,
    )
    # What csp.decorators.csp_replace sets (its typing wants views without arguments).
    response._csp_replace = FRAMEABLE  # type: ignore[attr-defined]
    return response


@require_GET
@xframe_options_exempt
def embed_playback(request: HttpRequest, pk: int) -> JsonResponse:
    """The embed player's token (no cookies needed: embeddable replays are public)."""
    try:
        token = embed.embed_token_issue(session_id=pk)
    except PermissionDenied:
        return JsonResponse({"error": "not embeddable"}, status=403)
    response = JsonResponse(token.as_json())
    response["Cache-Control"] = "private, no-store"
    return response


def embed_code(session_pk: int) -> str:
    """The <iframe> snippet the replay page offers to copy."""
    src = settings.SITE_URL.rstrip("/") + reverse("livestream:embed_player", args=[session_pk])
    return (
        f'<iframe src="{src}" width="640" height="360" frameborder="0" '
        'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>'
    )
