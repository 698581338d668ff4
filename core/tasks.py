"""Celery tasks of core: the in-worker listeners of domain events (core.events)."""

from typing import Any

from celery import shared_task

from core import events


@shared_task
def event_deliver_task(type_name: str, fields: dict[str, Any]) -> int:
    """Run the in-worker listeners of one event (queued after the sender's commit)."""
    return events.deliver_in_worker(type_name, fields)
