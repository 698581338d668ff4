from celery import shared_task

from payments import services


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def payments_settle_stale_task() -> int:
    return services.payments_settle_stale()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def points_expire_due_task() -> int:
    return services.points_expire_due()
