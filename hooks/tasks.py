"""Celery tasks of the creator webhooks: thin wrappers that call the services."""

from typing import Any

from celery import shared_task
from django.db import OperationalError

from hooks import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def hook_event_task(type_: str, fields: dict[str, Any]) -> int:
    """A domain event became a webhook event: record a delivery per endpoint."""
    return len(services.event_record(type_=type_, fields=fields))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def delivery_attempt_task(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task
def deliveries_due_task() -> int:
    """Beat: retry what is due, whatever a worker restart lost of the queued retries."""
    return services.deliveries_due()
