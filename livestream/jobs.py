"""Queue the app's Celery tasks after commit, by name.

livestream.tasks imports the services (a task takes ids, loads, calls a service), so
the services and the video module cannot import the tasks back without a circle.
They name the task here instead. LivestreamConfig.ready() imports livestream.tasks in
every process, so the name resolves to the registered task (which runs inline where
Celery is eager, as in tests); a process that lacks it still sends it by name.
"""

from celery import current_app
from django.db import transaction


def enqueue_on_commit(task: str, *args: int, countdown: int | None = None) -> None:
    """Queue `livestream.tasks.<task>(*args)` once the transaction commits (at once
    outside one); a rolled-back write queues nothing."""
    options = {"countdown": countdown} if countdown is not None else {}
    signature = current_app.signature(f"livestream.tasks.{task}", args=args, **options)
    transaction.on_commit(signature.apply_async)
