"""Celery tasks of the recommend app: thin wrappers around services."""

from celery import shared_task

from recommend import analytics, channel_analytics, refresh, retention, traffic


@shared_task
def recommendations_refresh_task(batch_size: int | None = None) -> int:
    """Refresh the stored lists of users with new activity (the beat job)."""
    return refresh.recommendations_refresh(batch_size=batch_size)


@shared_task
def recommendations_refresh_user_task(user_id: int) -> int:
    """A first list for a new user, from their first events."""
    return refresh.recommendations_refresh(user_ids=[user_id])


@shared_task
def events_prune_task() -> int:
    return retention.events_prune()


@shared_task
def session_stats_aggregate_task() -> int:
    """Fold today's and yesterday's recorded audience into the daily tables: the
    sessions' first, then the channels' (which read the sessions' rows)."""
    written = analytics.session_stats_aggregate_recent()
    return written + channel_analytics.channel_stats_aggregate_recent()


@shared_task
def variant_shares_update_task() -> bool:
    """The bandit's next traffic split of the ranking variants; whether it changed."""
    return traffic.variant_shares_update() is not None
