"""Celery wrappers for paid questions."""

from celery import shared_task

from qa import services


@shared_task
def qa_refund_overdue_task() -> int:
    """Refund every open question past its deadline (beat: every minute).

    Each question is settled in its own transaction under its row lock, keyed in the
    ledger: running twice, or dying mid-way and running again, refunds each once.
    """
    return services.questions_refund_overdue()
