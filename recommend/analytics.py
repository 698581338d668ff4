"""Audience analytics of live sessions and their replays.

The aggregation job (`session_stats_aggregate`, run by Celery beat every hour for
today and yesterday) folds what the site records into one SessionStatsDay row per
session, day and phase (live or replay):

- presence per minute (livestream.RoomPresenceMinute): peak concurrent viewers,
  viewer-minutes, the retention curve (viewers at each minute since the start);
- the room's messages (livestream.RoomEvent): chat messages and questions;
- tips and tickets (payments.Tip, payments.Purchase);
- behaviour events of people who consented to behaviour analytics
  (recommend.Event): unique viewers and watch time (watch events: before the
  session ended they count as live, after it as replay) and page viewers.

Creator pages read only these rows (`session_analytics`). Every count is shown as
"< 5" below PRIVACY_MIN_COUNT (core.privacy.suppress), so no single viewer can be
picked out; money totals are the creator's own income and shown as they are.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from core.privacy import suppress
from livestream.models import LiveSession, RoomEvent, RoomPresenceMinute
from payments.models import Purchase, Tip
from recommend.models import Event, ItemKind, SessionStatsDay

Phase = SessionStatsDay.Phase
COUNTS = (
    "unique_viewers",
    "peak_concurrent",
    "viewer_minutes",
    "chat_messages",
    "questions",
    "tips",
    "tickets_sold",
    "page_viewers",
)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


@transaction.atomic
def session_stats_aggregate(*, day: date) -> int:
    """(Re)compute every session's figures for `day` (UTC); returns how many rows
    were written. Idempotent: running it again for the same day rewrites the same
    rows with what is recorded by then."""
    start, end = _day_bounds(day)
    figures: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)

    presence = RoomPresenceMinute.objects.filter(minute__gte=start, minute__lt=end)
    for row in presence.values("session_id").annotate(peak=Max("viewers"), minutes=Sum("viewers")):
        figures[(row["session_id"], Phase.LIVE)].update(
            peak_concurrent=row["peak"], viewer_minutes=row["minutes"]
        )
    room = RoomEvent.objects.filter(
        created_at__gte=start, created_at__lt=end, kind__in=(RoomEvent.Kind.CHAT,
                                                             RoomEvent.Kind.QUESTION)
    )  # fmt: skip
    for session_id, kind, n in room.values_list("session_id", "kind").annotate(n=Count("pk")):
        field = "chat_messages" if kind == RoomEvent.Kind.CHAT else "questions"
        figures[(session_id, Phase.LIVE)][field] = n
    tips = Tip.objects.filter(
        created_at__gte=start, created_at__lt=end, live_session__isnull=False
    ).values_list("live_session_id", "currency")
    for tipped_id, currency, n, total in tips.annotate(n=Count("pk"), total=Sum("amount")):
        cell = figures[(tipped_id, Phase.LIVE)]
        cell["tips"] = cell.get("tips", 0) + n
        cell.setdefault("tip_amounts", {})[currency] = total
    tickets = Purchase.objects.filter(
        paid_at__gte=start, paid_at__lt=end, live_session__isnull=False
    ).values_list("live_session_id")
    for sold_id, n in tickets.annotate(n=Count("pk")):
        figures[(sold_id, Phase.LIVE)]["tickets_sold"] = n

    events = Event.objects.filter(
        item_kind=ItemKind.SESSION, created_at__gte=start, created_at__lt=end,
        kind__in=(Event.Kind.WATCH, Event.Kind.VIEW),
    ).values_list("item_id", "kind", "user_id", "value", "created_at")  # fmt: skip
    rows = [(int(row[0]), *row[1:]) for row in events if row[0] is not None]
    session_ids = {key[0] for key in figures} | {row[0] for row in rows}
    sessions = {
        s.pk: s for s in LiveSession.objects.filter(pk__in=session_ids).only("pk", "ended_at",
                                                                              "started_at")
    }  # fmt: skip
    viewers: dict[tuple[int, str], set[int]] = defaultdict(set)
    page_viewers: dict[tuple[int, str], set[int]] = defaultdict(set)
    seconds: dict[tuple[int, str], float] = defaultdict(float)
    for item_id, event_kind, user_id, value, at in rows:
        session = sessions.get(item_id)
        if session is None:
            continue
        ended = session.ended_at
        phase = str(Phase.REPLAY if ended is not None and at >= ended else Phase.LIVE)
        if event_kind == Event.Kind.WATCH:
            viewers[(item_id, phase)].add(user_id)
            seconds[(item_id, phase)] += value
        else:
            page_viewers[(item_id, phase)].add(user_id)
    for key in set(viewers) | set(page_viewers):
        figures[key].update(
            unique_viewers=len(viewers[key]),
            watch_seconds=int(seconds[key]),
            page_viewers=len(page_viewers[key]),
        )

    curves = _retention(sessions, start, end)
    written = 0
    for (session_id, phase), values in figures.items():
        if session_id not in sessions:
            continue
        if phase == Phase.LIVE:
            values["retention"] = curves.get(session_id, [])
        defaults = {field: 0 for field in COUNTS} | {"watch_seconds": 0, "tip_amounts": {},
                                                      "retention": []} | values  # fmt: skip
        SessionStatsDay.objects.update_or_create(
            session_id=session_id, day=day, phase=phase, defaults=defaults
        )
        written += 1
    return written


def _retention(sessions: dict[int, LiveSession], start: datetime, end: datetime) -> dict:
    """Viewers at each minute since the session started (the day's minutes only)."""
    curves: dict[int, list[int]] = {}
    minutes = RoomPresenceMinute.objects.filter(
        session_id__in=list(sessions), minute__gte=start, minute__lt=end
    ).order_by("session_id", "minute")
    for row in minutes.values_list("session_id", "minute", "viewers"):
        session_id, minute, count = row
        began = (sessions[session_id].started_at or minute).replace(second=0, microsecond=0)
        offset = max(int((minute - began).total_seconds() // 60), 0)
        curve = curves.setdefault(session_id, [])
        curve.extend([0] * (offset + 1 - len(curve)))
        curve[offset] = max(curve[offset], count)
    return curves


def session_stats_aggregate_recent() -> int:
    """The beat job: today so far and all of yesterday (late events)."""
    today = timezone.now().date()
    return session_stats_aggregate(day=today - timedelta(days=1)) + session_stats_aggregate(
        day=today
    )


# --- reading: what the creator's page shows -------------------------------------------


@dataclass
class PhaseFigures:
    counts: dict[str, int | None]  # None: fewer than PRIVACY_MIN_COUNT ("< 5")
    watch_minutes: int
    average_watch_minutes: float | None
    tip_amounts: dict[str, int]
    conversion: float | None  # tickets / page viewers, when both may be shown
    retention: list[int]


def _phase_figures(rows: list[SessionStatsDay]) -> PhaseFigures:
    totals = {field: 0 for field in COUNTS}
    tip_amounts: dict[str, int] = defaultdict(int)
    watch_seconds = 0
    retention: list[int] = []
    for row in rows:
        for field in COUNTS:
            value = getattr(row, field)
            # Peak concurrent is a maximum, the rest add up over days (a viewer on
            # two days counts twice: the daily tables keep no identities).
            totals[field] = max(totals[field], value) if field == "peak_concurrent" else (
                totals[field] + value
            )  # fmt: skip
        watch_seconds += row.watch_seconds
        for currency, amount in row.tip_amounts.items():
            tip_amounts[currency] += amount
        retention = retention or row.retention
    counts = {field: suppress(value) for field, value in totals.items()}
    viewers = counts["unique_viewers"]
    average = round(watch_seconds / 60 / viewers, 1) if viewers else None
    conversion = None
    if counts["tickets_sold"] is not None and counts["page_viewers"]:
        conversion = round(100 * totals["tickets_sold"] / totals["page_viewers"], 1)
    return PhaseFigures(
        counts=counts,
        watch_minutes=watch_seconds // 60,
        average_watch_minutes=average,
        tip_amounts=dict(tip_amounts),
        conversion=conversion,
        # The curve shows counts too: minutes with fewer viewers than the threshold
        # are drawn at 0 and labelled "< 5".
        retention=[suppress(v) or 0 for v in retention],
    )


def session_analytics(*, session: LiveSession) -> dict[str, PhaseFigures]:
    """The session's figures, live and replay, from the daily rows only."""
    rows = list(SessionStatsDay.objects.filter(session=session).order_by("day"))
    return {
        phase: _phase_figures([row for row in rows if row.phase == phase])
        for phase in (Phase.LIVE, Phase.REPLAY)
    }


def session_analytics_csv(*, session: LiveSession) -> str:
    """The daily rows as CSV, small counts written as "< 5" as on the page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "phase", *COUNTS, "watch_minutes", "tips_total"])
    below = f"< {settings.PRIVACY_MIN_COUNT}"
    for row in SessionStatsDay.objects.filter(session=session).order_by("day", "phase"):
        counts = [suppress(getattr(row, field)) for field in COUNTS]
        writer.writerow(
            [row.day.isoformat(), row.phase]
            + [below if value is None else value for value in counts]
            + [row.watch_seconds // 60]
            + [" ".join(f"{amount} {currency}" for currency, amount in sorted(
                row.tip_amounts.items()))]
        )  # fmt: skip
    return out.getvalue()
