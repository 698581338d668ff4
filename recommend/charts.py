"""Server-rendered inline SVG line chart (no JS library, no CDN)."""

from datetime import timedelta

from django.utils import timezone

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 720, 260, 48, 28, 12, 12
# The chart box every chart shares (the template draws its axes from these).
FRAME = {
    "width": WIDTH,
    "height": HEIGHT,
    "left": PAD_LEFT,
    "right": WIDTH - PAD_RIGHT,
    "bottom": HEIGHT - PAD_BOTTOM,
    "top": PAD_TOP,
}
COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"]


def ctr_chart(data: dict) -> dict:
    """Polylines of daily click-through rate per variant, scaled to the chart box.
    The template draws them; every label is escaped by the template engine."""
    since, days = data["since"], data["days"]
    max_ctr = max(
        [ctr for points in data["series"].values() for (_d, _i, _c, ctr) in points] + [0.0]
    )
    top = max(max_ctr * 1.1, 0.01)
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day):
        return PAD_LEFT + inner_w * ((day - since).days / max(days - 1, 1))

    def y(ctr):
        return PAD_TOP + inner_h * (1 - ctr / top)

    lines = []
    for n, (variant, points) in enumerate(sorted(data["series"].items())):
        coords = [(round(x(d), 1), round(y(ctr), 1)) for (d, _i, _c, ctr) in points]
        lines.append(
            {
                "variant": variant,
                "colour": COLOURS[n % len(COLOURS)],
                "points": " ".join(f"{a},{b}" for a, b in coords),
                "dots": coords,
                "legend_y": PAD_TOP + 14 + 16 * n,
            }
        )
    ticks = [{"y": round(y(top * f), 1), "label": f"{top * f * 100:.1f}%"} for f in (0, 0.5, 1.0)]
    return _frame(lines, ticks, since, since + timedelta(days=days - 1))


def _frame(lines: list, ticks: list, first, last) -> dict:
    """The chart box, its lines, ticks and the first and last day under the axis."""
    return {
        **FRAME,
        "lines": lines,
        "ticks": ticks,
        "first_day": first,
        "last_day": last,
        "legend_x": WIDTH - PAD_RIGHT - 150,
    }


def retention_chart(curve: list[int]) -> dict:
    """A polyline of viewers at each minute since the start (the retention curve),
    scaled to the chart box; empty when nothing was recorded."""
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = max(curve + [1])
    span = max(len(curve) - 1, 1)
    coords = [
        (round(PAD_LEFT + inner_w * i / span, 1), round(PAD_TOP + inner_h * (1 - v / top), 1))
        for i, v in enumerate(curve)
    ]
    return {
        **FRAME,
        "points": " ".join(f"{a},{b}" for a, b in coords),
        "peak": top if curve else 0,
        "minutes": len(curve),
    }


def bars_chart(values: list[int | None], labels: list[str]) -> dict:
    """Bars, one per period, scaled to the chart box. None (a count below the
    threshold) is drawn as an empty bar labelled "< 5" by the template."""
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = max([v for v in values if v is not None] + [1])
    step = inner_w / max(len(values), 1)
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = round(inner_h * (value or 0) / top, 1)
        bars.append(
            {
                "x": round(PAD_LEFT + i * step + step * 0.1, 1),
                "w": round(step * 0.8, 1),
                "y": round(PAD_TOP + inner_h - h, 1),
                "h": h,
                "value": value,
                "label": label,
            }
        )
    return {
        **FRAME,
        "peak": top,
        "bars": bars,
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
    }


def share_chart(data: dict) -> dict:
    """Step lines of each variant's traffic share (0-100%) over time: one point per
    logged change, held until the next and drawn to now."""
    changes, since = data["share_changes"], data["share_since"]
    now = timezone.now()
    span = max((now - since).total_seconds(), 1.0)
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(when):
        return round(PAD_LEFT + inner_w * max((when - since).total_seconds(), 0.0) / span, 1)

    def y(share):
        return round(PAD_TOP + inner_h * (1 - share), 1)

    variants = sorted({name for change in changes for name in change.shares})
    lines = []
    for n, variant in enumerate(variants):
        coords: list[tuple[float, float]] = []
        for change in changes:
            share = float(change.shares.get(variant, 0.0))
            if coords:
                coords.append((x(change.created_at), coords[-1][1]))  # held until now
            coords.append((x(change.created_at), y(share)))
        coords.append((x(now), coords[-1][1]))
        lines.append(
            {
                "variant": variant,
                "colour": COLOURS[n % len(COLOURS)],
                "points": " ".join(f"{a},{b}" for a, b in coords),
                "legend_y": PAD_TOP + 14 + 16 * n,
            }
        )
    ticks = [{"y": y(f), "label": f"{f * 100:.0f}%"} for f in (0, 0.5, 1.0)]
    return _frame(lines, ticks, since, now)
