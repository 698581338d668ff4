"""Pages and small endpoints: watch-time reports, click redirects, the
personalisation setting, the staff click-through chart."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from livestream import selectors as live_selectors
from livestream.models import LiveSession
from livestream.selectors import session_get_for_editor
from marketplace.models import CreatorProfile
from recommend import analytics, charts, selectors, services, staff_stats
from recommend.audience import AUDIENCE_DAYS, creator_audience
from recommend.charts import ctr_chart, share_chart
from recommend.features import items_load

WATCH_LAST = "recommend:watch:last:{}:{}"
WATCH_TOTAL = "recommend:watch:total:{}:{}:{}"


@require_POST
def watch_report(request):
    """The player reports seconds watched since its last report (JSON or a form
    body from sendBeacon). Seconds are clipped to the time since the last report
    and to the length of the video; absurd values are refused."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in to record watch time.")}, status=401)
    try:
        session_id = int(request.POST.get("session", ""))
        seconds = float(request.POST.get("seconds", ""))
    except (TypeError, ValueError):
        return JsonResponse({"error": _("Send a session id and a number of seconds.")}, status=400)
    if not (0 <= seconds < 86400):
        return JsonResponse({"error": _("Seconds must be between 0 and 86400.")}, status=400)
    try:
        session = live_selectors.session_get_for_user(pk=session_id, user=request.user)
    except Http404:
        return JsonResponse({"error": _("No such session.")}, status=404)
    seconds = _watch_clip(request.user.pk, session, seconds)
    if seconds > 0 and not services.event_record(
        user=request.user, kind="watch", item=session, value=seconds
    ):
        seconds = 0.0  # behaviour analytics switched off: nothing recorded
    return JsonResponse({"recorded": round(seconds, 1)})


def _watch_clip(user_id: int, session: LiveSession, seconds: float) -> float:
    now = time.time()
    last_key = WATCH_LAST.format(user_id, session.pk)
    last = cache.get(last_key)
    cache.set(last_key, now, 3600)
    if last is None:
        allowed = float(settings.RECOMMEND_WATCH_MAX_REPORT_SECONDS)
    else:
        allowed = max(0.0, now - float(last)) + 5.0  # reports cannot overlap in time
    seconds = min(seconds, allowed, float(settings.RECOMMEND_WATCH_MAX_REPORT_SECONDS))
    # Per day no more than the video is long (a live session: its planned length x 2).
    if session.replay_status == LiveSession.Replay.READY and session.status == "ended":
        length = session.replay_duration or session.duration_minutes * 60
    else:
        length = session.duration_minutes * 60 * 2
    total_key = WATCH_TOTAL.format(user_id, session.pk, timezone.localdate().isoformat())
    so_far = float(cache.get(total_key) or 0.0)
    seconds = max(0.0, min(seconds, length - so_far))
    if seconds > 0:
        cache.set(total_key, so_far + seconds, 2 * 86400)
    return seconds


@require_GET
def click(request):
    """A click on a recommended item: count it (with the variant), then go there."""
    parsed = selectors.click_token_read(request.GET.get("t", ""))
    if parsed is None:
        return HttpResponseBadRequest(_("This recommendation link is not valid."))
    key, variant, _source = parsed
    item = items_load([key]).get(key)
    if item is None:
        raise Http404(_("This item is no longer available."))
    services.event_record(
        user=request.user, kind="click", item=key, variant=variant, request=request
    )
    return redirect(item.url)


def personalisation(request):
    """The switch now lives on the Privacy page with the other consents."""
    return redirect("accounts:privacy")


@login_required
def audience(request):
    """A creator's audience, as far as it can be told without singling anyone out."""
    creator = CreatorProfile.objects.filter(user=request.user).first()
    if creator is None:
        raise Http404(_("Only creators have an audience page."))
    report = creator_audience(creator=creator)
    labels = {
        "by_item": _("Viewers by what they first came to"),
        "by_source": _("Viewers by where they came from"),
        "by_city": _("Viewers by city"),
        "by_device": _("Viewers by device"),
        "by_referrer": _("Viewers by referring site"),
    }
    cells = {
        "unknown": _("Unknown"),
        "mobile": _("Phone"),
        "tablet": _("Tablet"),
        "desktop": _("Computer"),
        "direct": _("Direct (no referring page)"),
        "internal": _("Pages of this site"),
        "search": _("Search engines"),
        "social": _("Social networks and messaging"),
        "other": _("Other websites"),
    }
    return render(
        request,
        "recommend/audience.html",
        {
            "report": report,
            "breakdowns": [
                (
                    labels[name],
                    sorted(
                        (
                            (cells.get(k, k) if name != "by_item" else k, v)
                            for k, v in values.items()
                        ),
                        key=lambda kv: -(kv[1] or 0),
                    ),
                )
                for name, values in report.breakdowns.items()
            ],
            "min_count": settings.PRIVACY_MIN_COUNT,
            "days": AUDIENCE_DAYS,
        },
    )


@staff_member_required
def staff_dashboard(request):
    try:
        days = min(max(int(request.GET.get("days", 30)), 2), 365)
    except ValueError:
        days = 30
    staff_stats.variant_releases_due(since=timezone.localdate() - timedelta(days=days))
    data = selectors.click_through_by_variant(days=days)
    privacy = {
        "max_impressions": settings.RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY,
        "max_clicks": settings.RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY,
        "epsilon": settings.RECOMMEND_STATS_EPSILON_PER_DAY,
    }
    shares = selectors.variant_share_history(days=days)
    return render(
        request,
        "recommend/staff.html",
        {
            **data,
            **privacy,
            **shares,
            "chart": ctr_chart(data),
            "share_chart": share_chart(shares),
        },
    )


def _back(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse(default)


@login_required
def interests(request):
    """ "Your interests": strengths learned from behaviour, and the learner's own choices
    (follow, not interested, reset one, reset everything)."""
    if request.method == "POST":
        action, topic = request.POST.get("action", ""), request.POST.get("topic", "")
        try:
            if action == "reset_all":
                services.topic_reset(user=request.user)
            elif action == "reset":
                services.topic_reset(user=request.user, topic=topic)
            else:
                services.topic_choose(user=request.user, topic=topic, choice=action)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your interests are updated."))
        return redirect(_back(request, "recommend:interests"))
    return render(
        request,
        "recommend/interests.html",
        {"topics": selectors.interest_topics(user=request.user)},
    )


@login_required
@require_POST
def not_interested(request):
    """ "Not interested" on a card: the item goes, its siblings go down."""
    try:
        services.topic_choose(
            user=request.user, topic=request.POST.get("item", ""), choice="not_interested"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Got it: you will see less like this."))
    return redirect(_back(request, "home"))


@login_required
def topics_start(request):
    """Onboarding: pick a few topics to follow, or skip."""
    if request.method == "POST":
        if "skip" not in request.POST:
            for topic in request.POST.getlist("topic"):
                try:
                    services.topic_choose(user=request.user, topic=topic, choice="follow")
                except ValidationError:
                    continue  # a stale or forged checkbox: the others still count
        request.session[selectors.TOPICS_ASKED] = True
        return redirect("home")
    return render(
        request,
        "recommend/start.html",
        {"topics": selectors.interest_topics(user=request.user)},
    )


@login_required
def session_analytics_page(request, pk):
    """A session's audience, live and as a replay, from the daily aggregates only;
    `?format=csv` downloads the daily rows."""
    session = session_get_for_editor(user=request.user, pk=pk)
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            analytics.session_analytics_csv(session=session), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.csv"'
        return response
    figures = analytics.session_analytics(session=session)
    labels = {
        "unique_viewers": _("Unique viewers"),
        "peak_concurrent": _("Peak concurrent viewers"),
        "viewer_minutes": _("Viewer-minutes"),
        "chat_messages": _("Chat messages"),
        "questions": _("Questions"),
        "tips": _("Tips"),
        "tickets_sold": _("Tickets sold"),
        "page_viewers": _("Page viewers"),
    }

    def stats(phase: str) -> list:
        return [(labels[key], key, figures[phase].counts[key]) for key in analytics.COUNTS]

    return render(
        request,
        "recommend/session_analytics.html",
        {
            "session": session,
            "phases": [
                (_("Live"), figures["live"], stats("live")),
                (_("Replay"), figures["replay"], stats("replay")),
            ],
            "retention": charts.retention_chart(figures["live"].retention),
            "min_count": settings.PRIVACY_MIN_COUNT,
        },
    )
