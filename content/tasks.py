from celery import shared_task

from content import services


@shared_task(ignore_result=True)
def content_publish_due_task() -> int:
    """Beat job: publish scheduled lessons and articles that are due (idempotent)."""
    return services.content_publish_due()
