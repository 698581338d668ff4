"""How long raw behaviour events are kept (RECOMMEND_EVENT_RETENTION_DAYS): the
nightly prune (recommend.tasks.events_prune_task)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from recommend.models import Event


def events_prune(*, older_than_days: int | None = None, batch: int = 5000) -> int:
    """Delete raw events past the retention window (with the half-life they weigh next
    to nothing by then), in batches so no transaction grows large."""
    days = older_than_days or settings.RECOMMEND_EVENT_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    total = 0
    while True:
        ids = list(Event.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[:batch])
        if not ids:
            return total
        total += Event.objects.filter(id__in=ids).delete()[0]
