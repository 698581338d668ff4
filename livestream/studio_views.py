"""The creator's pages for scheduling, editing, starting, ending and cancelling
live sessions.

Sessions are fetched through `session_get_for_editor` and channels through
`channel_get_for_editor`, so another creator's session or channel is a 404 here
whatever id or slug is typed. The services check the host again under the row lock.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import form_page, picture_page
from livestream import recordings, selectors, services, video
from livestream.forms import SessionForm, apply_session_errors
from livestream.models import LiveSession, StreamKey
from marketplace.selectors import channel_get_for_editor
from marketplace.studio_views import creator_required
from moderation.selectors import review_state_annotate


def _default_currency(channel) -> str:
    # The cheapest tier's currency is the one this channel's audience pays in.
    first = channel.tiers.order_by("price_amount", "id").first()
    return first.currency if first else settings.MARKETPLACE_DEFAULT_CURRENCY


@creator_required
def session_list(request):
    sessions = selectors.studio_sessions(creator=request.creator)
    review_state_annotate(sessions)
    return render(
        request,
        "livestream/studio/session_list.html",
        {
            "sessions": sessions,
            "channels": list(request.creator.channels.order_by("title")),
        },
    )


@creator_required
def session_create(request, slug):
    channel = channel_get_for_editor(user=request.user, slug=slug)
    form = SessionForm(
        request.POST or None,
        channel=channel,
        initial={
            "access": LiveSession.Access.FREE,
            "duration_minutes": 60,
            "currency": _default_currency(channel),
        },
    )
    return form_page(
        request,
        form,
        lambda _data: services.session_schedule(
            user=request.user, channel=channel, **form.service_kwargs()
        ),
        done=lambda session: _("Session “%(title)s” is scheduled.") % {"title": session.title},
        then="livestream:studio_sessions",
        errors=apply_session_errors,
        template="livestream/studio/session_form.html",
        context=lambda: {"channel": channel},
    )


@creator_required
def session_edit(request, pk):
    session = selectors.session_get_for_editor(user=request.user, pk=pk)
    if not session.is_open:
        messages.info(request, _("An ended or cancelled session cannot be edited."))
        return redirect("livestream:studio_sessions")
    initial = SessionForm.initial_for(session)
    initial["currency"] = initial["currency"] or _default_currency(session.channel)
    form = SessionForm(
        request.POST or None, channel=session.channel, session=session, initial=initial
    )
    return form_page(
        request,
        form,
        lambda _data: services.session_update(
            session=session, user=request.user, **form.service_kwargs()
        ),
        done=_("Session saved."),
        then="livestream:studio_sessions",
        errors=apply_session_errors,
        template="livestream/studio/session_form.html",
        context=lambda: {"channel": session.channel, "session": session},
    )


@creator_required
def session_cover(request, pk):
    """The session's own cover picture (without one, pages show the channel's)."""
    session = selectors.session_get_for_editor(user=request.user, pk=pk)
    return picture_page(
        request,
        update=lambda upload: services.session_cover_update(
            session=session, user=request.user, upload=upload
        ),
        current=session.cover or session.channel.cover,
        rendition="card",
        name=session.title,
        heading=_("Cover picture of “%(title)s”") % {"title": session.title},
        back=reverse("livestream:session_edit", kwargs={"pk": pk}),
    )


def _session_action(request, pk, service, done: str):
    """Run one lifecycle service on the user's own session; report and go back."""
    session = selectors.session_get_for_editor(user=request.user, pk=pk)
    try:
        service(session=session, user=request.user)
    except PermissionDenied:
        # The selector already limits to the user's sessions; keep the answer a 404
        # if the service disagrees, so nothing about the session leaks.
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done % {"title": session.title})
    return redirect(_back(request, session))


def _back(request, session) -> str:
    """Where the button was pressed: the list, or the room (a safe local `next`)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "livestream:studio_sessions"


@creator_required
@require_POST
def session_start(request, pk):
    return _session_action(request, pk, services.session_start, _("“%(title)s” is live."))


@creator_required
@require_POST
def session_end(request, pk):
    return _session_action(request, pk, services.session_end, _("“%(title)s” has ended."))


@creator_required
@require_POST
def session_cancel(request, pk):
    return _session_action(
        request,
        pk,
        services.session_cancel,
        _("“%(title)s” is cancelled; ticket holders were refunded to their wallets."),
    )


@creator_required
def stream_key(request):
    """The creator's RTMP settings for OBS. The key itself is shown once, right after
    it is made: only its hash is stored."""
    new_key = None
    if request.method == "POST":
        new_key = video.stream_key_rotate(creator=request.creator)
        messages.success(
            request,
            _("Your new stream key is below. Copy it now: it will not be shown again."),
        )
    return render(
        request,
        "livestream/studio/stream_key.html",
        {
            "rtmp_url": settings.VIDEO_RTMP_URL,
            "new_key": new_key,
            "has_key": new_key is not None
            or StreamKey.objects.filter(creator=request.creator).exists(),
            "sessions": [
                s
                for s in selectors.studio_sessions(creator=request.creator)
                if s.status in (LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE)
            ][:5],
            "channels": list(request.creator.channels.order_by("title")),
        },
    )


@creator_required
@require_POST
def session_replay(request, pk):
    """Hide the replay from the audience, or show it again."""
    session = selectors.session_get_for_editor(user=request.user, pk=pk)
    hidden = request.POST.get("hidden") == "1"
    video.replay_set_hidden(session=session, user=request.user, hidden=hidden)
    messages.success(
        request, _("The replay is hidden.") if hidden else _("The replay is visible again.")
    )
    return redirect("livestream:session_detail", pk=session.pk)


@creator_required
def session_recordings(request, pk):
    """The session's recordings, each downloadable once it is in object storage."""
    session = selectors.session_get_for_editor(user=request.user, pk=pk)
    return render(
        request,
        "livestream/studio/recordings.html",
        {"session": session, "recordings": list(session.recordings.exclude(key=""))},
    )


@creator_required
def recording_download(request, pk, recording_pk):
    """A short-lived presigned URL from the bucket: never streamed through Django."""
    session = selectors.session_get_for_editor(user=request.user, pk=pk)
    if not session.recordings.filter(pk=recording_pk).exists():
        raise Http404
    try:
        url = recordings.recording_download_url(recording_id=recording_pk, user=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("livestream:session_recordings", pk=session.pk)
    return HttpResponseRedirect(url)
