"""The studio's channel analytics over time: charts and a table by day or week, and
the same as CSV, read from the daily channel aggregates only."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from marketplace.selectors import channel_get_for_editor
from recommend import channel_analytics, charts

PERIODS = (30, 90, 365)


@login_required
def channel_analytics_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    channel = channel_get_for_editor(user=request.user, slug=slug)
    asked = request.GET.get("days", "")
    days = int(asked) if asked in {str(n) for n in PERIODS} else 30
    by = "week" if request.GET.get("by") == "week" else "day"
    periods = channel_analytics.channel_series(channel=channel, days=days, by=by)
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            channel_analytics.channel_series_csv(periods), content_type="text/csv"
        )
        name = f"channel-{channel.slug}-{days}d-by-{by}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    labels = [p.start.isoformat() for p in periods]
    currencies = sorted({c for p in periods for by_c in p.revenue.values() for c in by_c})
    graphs = [
        ("viewers", _("Viewers"),
         charts.bars_chart([p.counts["viewers"] for p in periods], labels)),
        ("watch", _("Watch minutes"),
         charts.bars_chart([p.watch_minutes for p in periods], labels)),
        ("followers", _("Followers"),
         charts.bars_chart([p.counts["followers_total"] for p in periods], labels)),
    ] + [
        (f"revenue-{currency}", _("Revenue (%(currency)s)") % {"currency": currency},
         charts.bars_chart([p.revenue_total(currency) for p in periods], labels))
        for currency in currencies
    ]  # fmt: skip
    rows = [
        {
            "start": p.start,
            "counts": [p.counts["viewers"], p.watch_minutes]
            + [p.counts[field] for field in channel_analytics.COUNTS[1:]],
            "revenue": [
                (
                    p.revenue_total(currency),
                    currency,
                    ", ".join(
                        f"{source}: {p.revenue[source][currency]}"
                        for source in channel_analytics.SOURCES
                        if currency in p.revenue.get(source, {})
                    ),
                )
                for currency in currencies
            ],
        }
        for p in reversed(periods)
    ]
    return render(
        request,
        "recommend/channel_analytics.html",
        {
            "channel": channel,
            "rows": rows,
            "graphs": graphs,
            "currencies": currencies,
            "sources": channel_analytics.SOURCES,
            "days": days,
            "by": by,
            "choices": PERIODS,
            "min_count": settings.PRIVACY_MIN_COUNT,
        },
    )
