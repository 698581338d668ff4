"""What a creator may learn about their audience, without singling anyone out.

Over the last AUDIENCE_DAYS days of behaviour events on the creator's channels,
courses and sessions (only people who consented to behaviour analytics are in
them):

- headline counts (viewers, returning viewers, buyers) are exact but suppressed
  below PRIVACY_MIN_COUNT; the conversion rate is shown only when both its counts
  are;
- breakdowns into small groups (viewers by the item they first came to, by where
  they came from, by city, by device, by referring site) are released with Laplace
  noise (core.privacy) under the creator's daily budget: each breakdown costs
  epsilon / len(BREAKDOWNS), is drawn once a day and stored (AudienceRelease), so
  reloading shows the same figures and spends nothing. Each viewer is counted in one
  cell of a breakdown only (their first item, their first source, the first city,
  device and referrer their page views recorded, else "unknown"), which keeps the
  sensitivity at 1.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.privacy import noisy_histogram, suppress
from core.visit import DEVICES, REFERRERS
from livestream.models import LiveSession
from marketplace.models import Channel, Course, CreatorProfile
from recommend.models import AudienceRelease, Event, ItemKind

AUDIENCE_DAYS = 30
BREAKDOWNS = ("by_item", "by_source", "by_city", "by_device", "by_referrer")
ORIGINS = ("city", "device", "referrer")  # Event fields behind the last three
UNKNOWN = "unknown"  # the cell of viewers whose page views recorded no such label
SEEN = (Event.Kind.VIEW, Event.Kind.WATCH, Event.Kind.CLICK)
BOUGHT = (Event.Kind.PURCHASE, Event.Kind.SUBSCRIBE)


@dataclass
class AudienceReport:
    viewers: int | None
    returning: int | None
    buyers: int | None
    conversion: float | None  # buyers / viewers, when both may be shown
    breakdowns: dict[str, dict[str, int | None]] = field(default_factory=dict)
    epsilon_spent: float = 0.0
    epsilon_budget: float = 0.0
    refused: list[str] = field(default_factory=list)  # breakdowns past today's budget


def _labels(creator: CreatorProfile) -> dict[tuple[str, int], str]:
    channels = dict(Channel.objects.filter(creator=creator).values_list("pk", "title"))
    courses = Course.objects.filter(channel__creator=creator).values_list("pk", "title")
    sessions = LiveSession.objects.filter(channel__creator=creator).values_list("pk", "title")
    labels = {(ItemKind.CHANNEL.value, pk): title for pk, title in channels.items()}
    labels.update({(ItemKind.COURSE.value, pk): title for pk, title in courses})
    labels.update({(ItemKind.SESSION.value, pk): title for pk, title in sessions})
    return labels


Row = tuple[int, str, str, int, str, str, tuple[str, str, str]]


def _events(labels: dict[tuple[str, int], str]) -> list[Row]:
    """(user, kind, item kind, item id, variant, day, (city, device, referrer)) of the
    window, oldest first."""
    by_kind: dict[str, list[int]] = {}
    for kind, pk in labels:
        by_kind.setdefault(kind, []).append(pk)
    if not by_kind:
        return []
    mine = Q()
    for kind, ids in by_kind.items():
        mine |= Q(item_kind=kind, item_id__in=ids)
    since = timezone.now() - timedelta(days=AUDIENCE_DAYS)
    rows = (
        Event.objects.filter(mine, created_at__gte=since)
        .order_by("created_at", "id")
        .values_list("user_id", "kind", "item_kind", "item_id", "variant", "created_at", *ORIGINS)
    )
    return [
        (u, k, ik, i or 0, v, c.date().isoformat(), (city, device, ref))
        for u, k, ik, i, v, c, city, device, ref in rows
    ]


def _source(kind: str, variant: str) -> str:
    """Where a viewer came from: a recommendation they clicked, or anywhere else."""
    if kind != Event.Kind.CLICK or not variant:
        return str(_("Direct, search or links"))
    if variant.startswith("similar"):
        return str(_("Similar items"))
    return str(_("Recommendations"))


def creator_audience(*, creator: CreatorProfile) -> AudienceReport:
    labels = _labels(creator)
    events = _events(labels)
    viewers: set[int] = set()
    days: dict[int, set[str]] = {}
    buyers: set[int] = set()
    first_item: dict[int, str] = {}
    first_source: dict[int, str] = {}
    first_origin: dict[str, dict[int, str]] = {name: {} for name in ORIGINS}
    for user, kind, item_kind, item_id, variant, day, origin in events:
        if kind in SEEN:
            viewers.add(user)
            days.setdefault(user, set()).add(day)
            first_item.setdefault(user, labels[(item_kind, item_id)])
            first_source.setdefault(user, _source(kind, variant))
            for name, value in zip(ORIGINS, origin, strict=True):
                if value:
                    first_origin[name].setdefault(user, value)
        if kind in BOUGHT:
            buyers.add(user)
    shown_viewers = suppress(len(viewers))
    shown_buyers = suppress(len(buyers))
    report = AudienceReport(
        viewers=shown_viewers,
        returning=suppress(sum(1 for seen in days.values() if len(seen) > 1)),
        buyers=shown_buyers,
        conversion=(
            round(len(buyers) / len(viewers), 3) if shown_viewers and shown_buyers else None
        ),
        epsilon_budget=settings.PRIVACY_EPSILON_PER_CREATOR_DAY,
    )
    counts = {
        "by_item": Counter(first_item.values()),
        "by_source": Counter(first_source.values()),
    }
    for name in ORIGINS:  # one cell per viewer: their first label, else "unknown"
        known = first_origin[name]
        counts[f"by_{name}"] = Counter(known.get(user, UNKNOWN) for user in viewers)
    domains: dict[str, list[str] | None] = {
        "by_item": sorted(set(labels.values())),
        "by_source": [str(_source("", "")), str(_("Similar items")), str(_("Recommendations"))],
        "by_device": [*DEVICES, UNKNOWN],
        "by_referrer": [*REFERRERS, UNKNOWN],
        "by_city": None,  # chosen by the data: released only past the (epsilon, delta) cut
    }
    for query in BREAKDOWNS:
        released = audience_release(
            creator=creator, query=query, counts=dict(counts[query]), domain=domains[query]
        )
        if released is None:
            report.refused.append(query)
        else:
            report.breakdowns[query] = released
    report.epsilon_spent = _spent(creator)
    return report


def _spent(creator: CreatorProfile) -> float:
    today = timezone.localdate()
    total = AudienceRelease.objects.filter(creator=creator, day=today).aggregate(Sum("epsilon"))
    return float(total["epsilon__sum"] or 0.0)


@transaction.atomic
def audience_release(
    *,
    creator: CreatorProfile,
    query: str,
    counts: dict[str, int],
    domain: list[str] | None = None,
) -> dict[str, int | None] | None:
    """Today's noisy release of `query` for `creator`: the stored one, or a new one if
    the day's budget still holds its share. None when the budget is spent. `domain`:
    the cells known in advance (all released); None: cells chosen by the data, each
    released only if its noisy count passes the PRIVACY_DELTA cut (core.privacy)."""
    today = timezone.localdate()
    stored = AudienceRelease.objects.filter(creator=creator, day=today, query=query).first()
    if stored is not None:
        return stored.values
    # One creator's releases are decided one at a time: the budget cannot be overdrawn.
    CreatorProfile.objects.select_for_update().filter(pk=creator.pk).first()
    budget = settings.PRIVACY_EPSILON_PER_CREATOR_DAY
    epsilon = budget / len(BREAKDOWNS)
    if _spent(creator) + epsilon > budget + 1e-9:
        return None
    if domain is None:
        values = noisy_histogram(counts, epsilon=epsilon, delta=settings.PRIVACY_DELTA)
    else:
        values = noisy_histogram(counts, epsilon=epsilon, domain=domain)
    try:
        with transaction.atomic():
            AudienceRelease.objects.create(
                creator=creator, day=today, query=query, epsilon=epsilon, values=values
            )
    except IntegrityError:  # released meanwhile by another request: show that one
        return AudienceRelease.objects.get(creator=creator, day=today, query=query).values
    return values
