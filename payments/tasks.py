import logging

from celery import shared_task

from payments import selectors, services

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def payments_settle_stale_task() -> int:
    return services.payments_settle_stale()


@shared_task
def ledger_reconcile_task() -> int:
    """Nightly: every running balance against the sum of its entries. A difference is
    logged as an error per account (for the on-call); returns how many differ."""
    mismatches = selectors.ledger_mismatches()
    for m in mismatches:
        logger.error(
            "ledger: account %s (%s) holds balance %s but its entries sum to %s",
            m.account_id, m.account, m.balance, m.entries_sum,
        )  # fmt: skip
    return len(mismatches)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def points_expire_due_task() -> int:
    return services.points_expire_due()


@shared_task
def subscription_prices_apply_task() -> int:
    """Beat: announced tier prices reach Stripe before the renewal that bills them."""
    return services.subscription_prices_apply()
