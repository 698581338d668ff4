"""WeChat Pay and Alipay: payments the payer confirms outside the site, by scanning a
QR code with WeChat or approving on Alipay's page.

Starting one creates a confirmed PaymentIntent that waits for the payer; nothing is
granted or credited here. Stripe's `payment_intent.succeeded` webhook (or Alipay's
return to the site, whichever comes first) settles it through
`payment_intent_settle`, which credits the wallet or completes the purchase once.
"""

import contextlib

import stripe
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from payments import gateway
from payments.models import Purchase, TopUp
from payments.services.card import payment_intent_settle, purchase_fail, purchase_start
from payments.services.purchases import Product

OFF_SITE_METHODS = gateway.OFF_SITE_METHODS


def _check_method(method: str) -> None:
    if method not in OFF_SITE_METHODS:
        raise ValidationError(_("Choose WeChat Pay or Alipay."))


def top_up_pay_off_site(*, top_up: TopUp, method: str, return_url: str) -> TopUp:
    """Start paying a pending top-up by WeChat Pay or Alipay.

    Raises ValidationError (nothing changed) when the method cannot take this
    payment, e.g. its currency; the learner may choose another way to pay.
    """
    _check_method(method)
    if top_up.status != TopUp.Status.PENDING or top_up.payment_intent_id:
        return top_up
    try:
        intent = gateway.off_site_payment_start(
            method=method,
            amount=top_up.amount,
            currency=top_up.currency,
            metadata={"purpose": "top_up", "top_up": str(top_up.pk), "user": str(top_up.user_id)},
            return_url=return_url,
            idempotency_key=f"top-up-{top_up.pk}-{method}",
        )
    except gateway.PaymentNotStarted as exc:
        raise ValidationError(str(exc)) from exc
    TopUp.objects.filter(pk=top_up.pk, payment_intent_id__isnull=True).update(
        payment_intent_id=intent.id, method=method
    )
    top_up.refresh_from_db()
    return top_up


def purchase_pay_off_site(
    *, buyer: User, product: Product, method: str, return_url: str, coupon_code: str = ""
) -> Purchase:
    """Buy by WeChat Pay or Alipay: a pending purchase whose PaymentIntent waits for
    the payer (access comes with the webhook), or one failed with Stripe's reason
    (nothing charged, the coupon free again)."""
    _check_method(method)
    purchase = purchase_start(buyer=buyer, method=method, product=product, coupon_code=coupon_code)
    if purchase.status != Purchase.Status.PENDING:
        return purchase
    try:
        intent = gateway.off_site_payment_start(
            method=method,
            amount=purchase.amount,
            currency=purchase.currency,
            metadata={"purpose": "purchase", "purchase": str(purchase.pk)},
            return_url=return_url,
            idempotency_key=f"purchase-{purchase.pk}",
        )
    except gateway.PaymentNotStarted as exc:
        return purchase_fail(purchase, str(exc))
    Purchase.objects.filter(pk=purchase.pk).update(payment_intent_id=intent.id)
    purchase.refresh_from_db()
    return purchase


def off_site_payment_cancel(*, payment_intent_id: str) -> TopUp | Purchase | None:
    """The payer gives up on a QR code or an Alipay page: the PaymentIntent is
    cancelled at Stripe so it can no longer be paid, and the record fails. A payment
    that went through in the meantime is settled as paid instead."""
    # Already paid or failed at Stripe: settling below records which.
    with contextlib.suppress(stripe.InvalidRequestError):
        gateway.payment_intent_cancel(payment_intent_id)
    return payment_intent_settle(payment_intent_id=payment_intent_id)
