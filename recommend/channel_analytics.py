"""Per-channel figures over time: viewers, watch minutes, followers, subscribers and
revenue by source, by day or by week.

The hourly job (`channel_stats_aggregate`, after the session aggregates) writes one
ChannelStatsDay per channel and day (UTC) from:

- SessionStatsDay of the channel's sessions: live viewer-minutes (room presence) and
  replay watch minutes;
- behaviour events of people who consented to analytics (views and watch time of the
  channel, its courses and sessions): distinct viewers of the day;
- community's follows of the channel: new that day, and the total at the day's end;
- subscriptions to its tiers: new that day, and churned (a cancelled or lapsed
  subscription whose paid period ended that day);
- sales, gross, by currency: tickets and courses (payments.Purchase, paid that day),
  subscription invoices (payments.SubscriptionCharge) and tips sent in its sessions.

The studio reads only these rows (`channel_series`). Counts below PRIVACY_MIN_COUNT
are shown as "< 5" (core.privacy.suppress), per day and per week alike; money is the
creator's own income and shown as it is.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from community.models import Follow
from core.privacy import suppress
from livestream.models import LiveSession
from marketplace.models import Channel, Course, SubscriptionTier
from payments.models import Purchase, Subscription, SubscriptionCharge, Tip
from recommend.models import ChannelStatsDay, Event, ItemKind, SessionStatsDay

COUNTS = (
    "viewers",
    "followers_new",
    "followers_total",
    "subscribers_new",
    "subscribers_churned",
)
SOURCES = ("tickets", "courses", "subscriptions", "tips")
ENDED = ("canceled", "unpaid", "incomplete_expired")


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _add(cell: dict, source: str, currency: str, amount: int | None) -> None:
    if amount:
        by_currency = cell.setdefault("revenue", {}).setdefault(source, {})
        by_currency[currency] = by_currency.get(currency, 0) + amount


@transaction.atomic
def channel_stats_aggregate(*, day: date) -> int:
    """(Re)write every channel's row for `day` that has anything to show, plus every
    channel with followers (their total is kept day by day). Idempotent."""
    start, end = _bounds(day)
    figures: dict[int, dict[str, Any]] = defaultdict(dict)
    session_channel = dict(LiveSession.objects.values_list("pk", "channel_id"))
    course_channel = dict(Course.objects.values_list("pk", "channel_id"))
    tier_channel = dict(SubscriptionTier.objects.values_list("pk", "channel_id"))

    for row in SessionStatsDay.objects.filter(day=day):
        minutes = row.viewer_minutes if row.phase == "live" else row.watch_seconds // 60
        cell = figures[session_channel[row.session_id]]
        cell["watch_minutes"] = cell.get("watch_minutes", 0) + minutes

    viewers: dict[int, set[int]] = defaultdict(set)
    events = Event.objects.filter(
        created_at__gte=start, created_at__lt=end, kind__in=(Event.Kind.VIEW, Event.Kind.WATCH)
    ).values_list("item_kind", "item_id", "user_id")
    owners: dict[str, dict[int, int] | None] = {
        ItemKind.CHANNEL: None, ItemKind.COURSE: course_channel, ItemKind.SESSION: session_channel
    }  # fmt: skip
    for item_kind, item_id, user_id in events:
        if item_id is None or item_kind not in owners:
            continue
        lookup = owners[item_kind]
        channel_id = int(item_id) if lookup is None else lookup.get(int(item_id))
        if channel_id is not None:
            viewers[channel_id].add(user_id)
    for channel_id, people in viewers.items():
        figures[channel_id]["viewers"] = len(people)

    follows = Follow.objects.filter(channel__isnull=False).values("channel_id")
    for channel_id, new, total in follows.annotate(
        new=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        total=Count("pk", filter=Q(created_at__lt=end)),
    ).values_list("channel_id", "new", "total"):
        if total:
            figures[channel_id].update(followers_new=new, followers_total=total)

    subs = Subscription.objects.values_list("tier_id")
    for tier_id, new, churned in subs.annotate(
        new=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        churned=Count(
            "pk",
            filter=Q(paid_until__gte=start, paid_until__lt=end)
            & (Q(cancel_at_period_end=True) | Q(status__in=ENDED)),
        ),
    ):
        if new or churned:
            cell = figures[tier_channel[tier_id]]
            cell["subscribers_new"] = cell.get("subscribers_new", 0) + new
            cell["subscribers_churned"] = cell.get("subscribers_churned", 0) + churned

    sales = Purchase.objects.filter(paid_at__gte=start, paid_at__lt=end)
    for session_id, course_id, currency, total in sales.values_list(
        "live_session_id", "course_id", "currency"
    ).annotate(total=Sum("amount")):
        if session_id is not None:
            _add(figures[session_channel[session_id]], "tickets", currency, total)
        elif course_id is not None:
            _add(figures[course_channel[course_id]], "courses", currency, total)
    charges = SubscriptionCharge.objects.filter(paid_at__gte=start, paid_at__lt=end)
    for tier_id, currency, total in charges.values_list(
        "subscription__tier_id", "currency"
    ).annotate(total=Sum("amount")):
        _add(figures[tier_channel[tier_id]], "subscriptions", currency, total)
    tips = Tip.objects.filter(created_at__gte=start, created_at__lt=end, live_session__isnull=False)
    for session_id, currency, total in tips.values_list("live_session_id", "currency").annotate(
        total=Sum("amount")
    ):
        _add(figures[session_channel[session_id]], "tips", currency, total)

    empty = {field: 0 for field in COUNTS} | {"watch_minutes": 0, "revenue": {}}
    known = set(Channel.objects.filter(pk__in=figures).values_list("pk", flat=True))
    for channel_id, values in figures.items():
        if channel_id in known:
            ChannelStatsDay.objects.update_or_create(
                channel_id=channel_id, day=day, defaults=empty | values
            )
    return len(known)


def channel_stats_aggregate_recent() -> int:
    """The beat job: yesterday (late events) and today so far."""
    today = timezone.now().date()
    return channel_stats_aggregate(day=today - timedelta(days=1)) + channel_stats_aggregate(
        day=today
    )


# --- reading: the studio's channel page ----------------------------------------------


@dataclass
class Period:
    start: date  # the day, or the Monday of the week
    counts: dict[str, int | None]  # None: below PRIVACY_MIN_COUNT ("< 5")
    watch_minutes: int
    revenue: dict[str, dict[str, int]]  # source -> currency -> minor units

    def revenue_total(self, currency: str) -> int:
        return sum(by.get(currency, 0) for by in self.revenue.values())


def channel_series(*, channel: Channel, days: int, by: str = "day") -> list[Period]:
    """The last `days` days (today included), by day or by ISO week (Monday first),
    with every period present (zeros where nothing happened). Week sums: the new
    and churned counts add up; the follower total is the last day's."""
    today = timezone.now().date()
    first = today - timedelta(days=days - 1)
    rows = {
        row.day: row
        for row in ChannelStatsDay.objects.filter(channel=channel, day__gte=first, day__lte=today)
    }
    buckets: dict[date, dict[str, Any]] = {}
    total = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        key = day - timedelta(days=day.weekday()) if by == "week" else day
        bucket = buckets.setdefault(
            key, {field: 0 for field in COUNTS} | {"watch_minutes": 0, "revenue": {}}
        )
        row = rows.get(day)
        if row is None:
            bucket["followers_total"] = total  # carried: no row, no change recorded
            continue
        for field in ("viewers", "followers_new", "subscribers_new", "subscribers_churned"):
            bucket[field] += getattr(row, field)
        total = bucket["followers_total"] = row.followers_total
        bucket["watch_minutes"] += row.watch_minutes
        for source, by_currency in row.revenue.items():
            for currency, amount in by_currency.items():
                cell = bucket["revenue"].setdefault(source, {})
                cell[currency] = cell.get(currency, 0) + amount
    return [
        Period(
            start=key,
            counts={field: suppress(values[field]) for field in COUNTS},
            watch_minutes=values["watch_minutes"],
            revenue=values["revenue"],
        )
        for key, values in sorted(buckets.items())
    ]


def channel_series_csv(periods: list[Period]) -> str:
    """The periods as CSV, small counts written "< 5" as on the page."""
    currencies = sorted({c for p in periods for by in p.revenue.values() for c in by})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["period", *COUNTS, "watch_minutes"]
        + [f"{source}_{currency}" for source in SOURCES for currency in currencies]
    )
    below = f"< {settings.PRIVACY_MIN_COUNT}"
    for p in periods:
        writer.writerow(
            [p.start.isoformat()]
            + [below if p.counts[field] is None else p.counts[field] for field in COUNTS]
            + [p.watch_minutes]
            + [p.revenue.get(s, {}).get(c, 0) for s in SOURCES for c in currencies]
        )
    return out.getvalue()
