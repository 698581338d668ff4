"""Celery tasks of community: thin wrappers that take ids and call the services."""

from celery import shared_task
from django.db import OperationalError

from community import price_notices, services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def feed_item_record_task(kind: str, object_id: int) -> bool:
    return services.feed_item_record(kind=kind, object_id=object_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def golive_fanout_task(session_id: int) -> int:
    """Split a live session's followers into batches and queue one task per batch, so
    that 100,000 followers cost the go-live request nothing and this task seconds.
    Returns how many batches were queued."""
    batches = 0
    for user_ids in services.golive_followers_batches(session_id=session_id):
        golive_batch_task.delay(session_id, user_ids)
        batches += 1
    return batches


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def golive_batch_task(session_id: int, user_ids: list[int]) -> int:
    return services.golive_followers_notify(session_id=session_id, user_ids=user_ids)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def price_change_fanout_task(
    course_id: int,
    channel_id: int,
    old_amount: int,
    new_amount: int,
    currency: str,
    kind: str = "course",
) -> int:
    """A course's price or (kind "session") a session's ticket price changed: tell
    the channel's followers in batches. `course_id` is the object's id."""
    batches = 0
    for user_ids in services.price_change_batches(channel_id=channel_id):
        price_change_batch_task.delay(course_id, old_amount, new_amount, currency, user_ids, kind)
        batches += 1
    return batches


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def price_change_batch_task(
    course_id: int,
    old_amount: int,
    new_amount: int,
    currency: str,
    user_ids: list[int],
    kind: str = "course",
) -> int:
    return services.price_change_notify(
        course_id=course_id,
        old_amount=old_amount,
        new_amount=new_amount,
        currency=currency,
        user_ids=user_ids,
        kind=kind,
    )


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def tier_price_notice_task(tier_id: int, old_amount: int, new_amount: int, currency: str) -> int:
    return price_notices.tier_price_notify(
        tier_id=tier_id, old_amount=old_amount, new_amount=new_amount, currency=currency
    )
