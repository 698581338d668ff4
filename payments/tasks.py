from celery import shared_task

from payments import services


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def payments_settle_stale_task() -> int:
    return services.payments_settle_stale()
