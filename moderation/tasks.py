from celery import shared_task

from moderation.services import classifier


@shared_task(ignore_result=True)
def screening_retrain_task() -> int | None:
    """Beat job (weekly): retrain the screening classifier when moderators made enough
    new decisions; the new version is promoted only if it is not worse."""
    model = classifier.screening_retrain()
    return model.version if model is not None else None
