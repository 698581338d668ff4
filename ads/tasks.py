from celery import shared_task

from ads import services


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def ads_charge_task() -> int:
    return services.campaigns_charge()
