"""Card payments through Stripe: charging a top-up or a ticket, and settling a
PaymentIntent (card, WeChat Pay or Alipay) whatever order the browser's return and
the webhooks arrive in."""

import logging
from datetime import timedelta

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments import gateway
from payments.models import CouponRedemption, Purchase, TopUp
from payments.services.common import Kind, account
from payments.services.coupons import coupon_reclaim, coupon_release
from payments.services.purchases import Product, purchase_complete, purchase_open
from payments.services.wallet import top_up_fail, wallet_top_up_credit

logger = logging.getLogger(__name__)


def top_up_pay(*, top_up: TopUp, payment_method: str) -> TopUp:
    """Charge the card for a pending top-up and settle it at once.

    A declined card marks the top-up failed with the bank's reason and moves no
    money. Stripe's webhook settles the same payment again later; that is a no-op.
    """
    if top_up.status != TopUp.Status.PENDING or top_up.payment_intent_id:
        return top_up
    try:
        intent = gateway.card_charge(
            amount=top_up.amount,
            currency=top_up.currency,
            payment_method=payment_method,
            metadata={"purpose": "top_up", "top_up": str(top_up.pk), "user": str(top_up.user_id)},
            idempotency_key=f"top-up-{top_up.pk}",
        )
    except gateway.CardDeclined as exc:
        return top_up_fail(top_up, str(exc))
    TopUp.objects.filter(pk=top_up.pk, payment_intent_id__isnull=True).update(
        payment_intent_id=intent.id
    )
    settled = payment_intent_settle(payment_intent_id=intent.id)
    assert isinstance(settled, TopUp)  # the intent was just recorded on this top-up
    return settled


def purchase_pay_with_card(
    *, buyer: User, product: Product, payment_method: str, coupon_code: str = ""
) -> Purchase:
    """Buy with a card: charged, settled and granted, or failed with a reason.

    A declined card leaves a failed purchase (the receipt says why), no ledger
    entry and no access; the learner may try again.
    """
    purchase = purchase_start(
        buyer=buyer, method=Purchase.Method.CARD, product=product, coupon_code=coupon_code
    )
    if purchase.status != Purchase.Status.PENDING:
        return purchase
    try:
        intent = gateway.card_charge(
            amount=purchase.amount,
            currency=purchase.currency,
            payment_method=payment_method,
            metadata={"purpose": "purchase", "purchase": str(purchase.pk)},
            idempotency_key=f"purchase-{purchase.pk}",
        )
    except gateway.CardDeclined as exc:
        return purchase_fail(purchase, str(exc))
    Purchase.objects.filter(pk=purchase.pk).update(payment_intent_id=intent.id)
    settled = payment_intent_settle(payment_intent_id=intent.id)
    assert isinstance(settled, Purchase)  # the intent was just recorded on this purchase
    return settled


def purchase_start(*, buyer: User, method: str, product: Product, coupon_code: str) -> Purchase:
    """A pending purchase to charge by `method`; one that costs nothing after its
    coupon is completed at once (paid, nothing to charge)."""
    with transaction.atomic():
        purchase = purchase_open(
            buyer=buyer, method=method, product=product, coupon_code=coupon_code
        )
        if purchase.amount == 0:  # a 100% coupon: nothing to charge
            locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
            return purchase_complete(locked, source=account(Kind.WALLET, locked.currency, buyer))
    return purchase


def purchase_fail(purchase: Purchase, message: str) -> Purchase:
    """The payment was refused before any money moved: the purchase fails with the
    reason and its coupon is free to use again."""
    Purchase.objects.filter(pk=purchase.pk, status=Purchase.Status.PENDING).update(
        status=Purchase.Status.FAILED, failure_message=message[:300]
    )
    purchase.refresh_from_db()
    _coupon_give_back(purchase)
    return purchase


@transaction.atomic
def payment_intent_settle(*, payment_intent_id: str) -> TopUp | Purchase | None:
    """Bring our records in line with a PaymentIntent's state at Stripe.

    Called from the browser's return and from webhooks, in any order and any number
    of times: it asks Stripe for the current state rather than trusting the event,
    and each ledger posting is keyed on the PaymentIntent, so money moves once.
    Returns the TopUp or Purchase it settled, or None for an unknown intent.
    """
    top_up = TopUp.objects.select_for_update().filter(payment_intent_id=payment_intent_id).first()
    purchase = (
        Purchase.objects.select_for_update().filter(payment_intent_id=payment_intent_id).first()
    )
    record: TopUp | Purchase | None = top_up or purchase
    if record is None:
        return None
    intent = gateway.payment_intent_retrieve(payment_intent_id)
    if intent.status == "succeeded":
        if (intent.amount, intent.currency) != (record.amount, record.currency):
            raise ValidationError(
                f"PaymentIntent {payment_intent_id} paid {intent.amount} {intent.currency}, "
                f"expected {record.amount} {record.currency}."
            )
        if top_up is not None:
            wallet_top_up_credit(
                user=top_up.user,
                amount=top_up.amount,
                currency=top_up.currency,
                payment_intent_id=payment_intent_id,
            )
            if top_up.status != TopUp.Status.SUCCEEDED:
                top_up.status = TopUp.Status.SUCCEEDED
                top_up.failure_message = ""
                top_up.save(update_fields=["status", "failure_message"])
            return top_up
        assert purchase is not None
        if purchase.status == Purchase.Status.FAILED:
            purchase.status = Purchase.Status.PENDING  # paid after all (a retried card)
            redemption = CouponRedemption.objects.filter(purchase=purchase).first()
            if redemption is not None:
                coupon_reclaim(redemption)
        return purchase_complete(purchase, source=account(Kind.STRIPE_CLEARING, purchase.currency))
    if intent.status == "canceled" or intent.failure_message:
        if record.status == "pending":  # TopUp and Purchase both call it that
            record.status = "failed"
            record.failure_message = (
                intent.failure_message
                if intent.status != "canceled"
                else _("The payment was cancelled before anything was paid.")
            )[:300]
            record.save(update_fields=["status", "failure_message"])
            if purchase is not None:
                _coupon_give_back(purchase)
    return record


def _coupon_give_back(purchase: Purchase) -> None:
    """A failed purchase did not use its coupon after all."""
    redemption = CouponRedemption.objects.filter(purchase=purchase).first()
    if redemption is not None:
        coupon_release(redemption)


def payments_settle_stale(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Close card payments left pending (a closed tab, a worker that died mid-charge).

    Each is first brought in line with Stripe (it may have been paid after all);
    what is still pending is cancelled at Stripe, so it can never be paid after we
    give up on it, then closed: a top-up as "expired, not charged", a ticket as
    failed, so the learner can try again. Safe to run twice and from several
    workers: each record is settled under its row lock. Returns how many it closed.
    """
    cutoff = timezone.now() - older_than
    closed = 0
    for model in (Purchase, TopUp):
        for record in model.objects.filter(status="pending", created_at__lt=cutoff):
            intent_id = record.payment_intent_id
            if intent_id:
                settled = payment_intent_settle(payment_intent_id=intent_id) or record
                if settled.status != "pending":
                    continue
                try:
                    gateway.payment_intent_cancel(intent_id)
                except stripe.StripeError:
                    # Perhaps paid a moment ago: Stripe's state decides.
                    logger.warning("Could not cancel %s", intent_id)
                    payment_intent_settle(payment_intent_id=intent_id)
            given_up = _close_unpaid(model, record.pk)
            if given_up and isinstance(record, Purchase):
                _coupon_give_back(record)
            # Closed here or by Stripe's answer above (a cancelled intent).
            closed += model.objects.filter(pk=record.pk, status__in=["failed", "expired"]).exists()
    return closed


def _close_unpaid(model: type[Purchase] | type[TopUp], pk: int) -> int:
    if model is TopUp:
        return TopUp.objects.filter(pk=pk, status=TopUp.Status.PENDING).update(
            status=TopUp.Status.EXPIRED,
            failure_message=_("Not completed within the hour: your card was not charged."),
        )
    return Purchase.objects.filter(pk=pk, status=Purchase.Status.PENDING).update(
        status=Purchase.Status.FAILED,
        failure_message=_("The payment was not completed."),
    )
