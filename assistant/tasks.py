"""Celery wrappers for the assistant's knowledge index."""

from celery import shared_task

from assistant.services import indexing


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def knowledge_sync_task(kind: str, object_id: int) -> None:
    """Re-read one source (kind: answer, lesson, article, session, help) into the index."""
    indexing.SYNCERS[kind](object_id)


@shared_task
def knowledge_rebuild_task() -> int:
    return indexing.knowledge_rebuild()
