"""Callbacks from the ingest server (nginx-rtmp), and the player's playback token.

Only nginx may call the callbacks: each URL carries the callback token (constant-time
compared). CSRF does not apply to them, and nothing here logs the stream key (nginx
sends it in the POST body). Playlists and segments never come here: nginx checks the
player's signed token itself (livestream/playback.py)."""

import hmac
from functools import wraps
from urllib.parse import parse_qs

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.crypto import salted_hmac
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from livestream import video


def callback_token() -> str:
    return (
        settings.VIDEO_CALLBACK_TOKEN
        or salted_hmac("livestream.video.callback", "nginx-rtmp").hexdigest()
    )


def ingest_only(view):
    """Only nginx, which calls with the token in the URL, gets through (403 else)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not hmac.compare_digest(request.GET.get("token", ""), callback_token()):
            return HttpResponseForbidden("not the ingest server")
        return view(request, *args, **kwargs)

    return checked


def ingest_callback(view):
    """nginx-rtmp's callbacks: a POST from the ingest server (it sends no CSRF token)."""
    return csrf_exempt(require_POST(ingest_only(view)))


def _stream(request) -> tuple[str, str]:
    """(stream name, key) of nginx's form: name=<session id>, args=key=<key>."""
    name = request.POST.get("name", "")
    args = parse_qs(request.POST.get("args", ""))
    key = request.POST.get("key") or (args.get("key") or [""])[0]
    return name, key


def _ok():
    return HttpResponse("ok", content_type="text/plain")


@ingest_callback
def on_publish(request):
    name, key = _stream(request)
    try:
        video.publish_start(name=name, key=key)
    except PermissionDenied:
        # nginx treats any 3xx as a redirect to another stream: refuse with 403 only.
        return HttpResponseForbidden("refused")
    return _ok()


@ingest_callback
def on_publish_done(request):
    name, _key = _stream(request)
    video.publish_stop(name=name)
    return _ok()


@ingest_callback
def on_update(request):
    name, key = _stream(request)
    if request.POST.get("call") == "update_publish" and not video.publish_still_allowed(
        name=name, key=key
    ):
        return HttpResponseForbidden("stop")  # nginx drops the stream
    return _ok()


@require_GET
def playback_token(request, pk: int, kind: str):
    """The player's token for a session's live video or replay: JSON with the URL to
    load and when to ask again; 403 {"error": ...} once the viewer may not watch."""
    try:
        token = video.playback_token_issue(session_id=pk, user=request.user, kind=kind)
    except PermissionDenied:
        return JsonResponse({"error": "access ended"}, status=403)
    response = JsonResponse(token.as_json())
    response["Cache-Control"] = "private, no-store"
    return response


@ingest_callback
def on_record_done(request):
    video.recording_done(name=request.POST.get("name", ""), path=request.POST.get("path", ""))
    return _ok()
