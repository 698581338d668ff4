"""A subscription after its first month: changing tier with Stripe's prorations, a
renewal that fails or needs 3-D Secure (past due, a grace period, the learner told),
and paying it again from the fix-card page."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.services.notify import email_line_and_link, notify
from core.money import format_money
from core.refusals import Conflict, Refused
from core.timezones import format_day
from payments import gateway
from payments.fulfilment import fulfilment
from payments.models import StripeCustomer, Subscription
from payments.services.purchases import Product
from payments.services.subscriptions import invoice_settle, tier_plan_get

# `tier` is a marketplace.SubscriptionTier, typed Any: payments may not import it.


@dataclass(frozen=True)
class TierChange:
    subscription: Subscription
    charged: int  # what the card paid now for the rest of the period (0: nothing)
    currency: str


def subscription_change_tier(
    *, subscription: Subscription, user: User, tier: Any, product: Product
) -> TierChange:
    """Move a subscription to another tier at the `product` terms, as Stripe prorates:
    a dearer tier charges the difference for the rest of the period now (refused,
    nothing changed, if the card does not pay at once); a cheaper one credits the
    unused part against the next renewal. Access follows the new tier at once.

    The caller (the selling app) checked that `tier` belongs to the same channel and
    is on sale."""
    if subscription.user_id != user.pk:
        raise Refused(_("This is not your subscription."))
    if subscription.status != "active":
        raise Conflict(_("Pay the open renewal of this subscription first."))
    if tier.pk == subscription.tier_id:
        raise Conflict(_("You already subscribe to this tier."))
    plan = tier_plan_get(
        tier=tier, name=product.title, amount=product.amount, currency=product.currency
    )
    current = gateway.subscription_retrieve(subscription.stripe_subscription_id)
    try:
        info = gateway.subscription_change_plan(
            subscription_id=subscription.stripe_subscription_id,
            plan_id=plan.plan_id,
            invoice_now=plan.amount > current.plan_amount,
            idempotency_key=f"tier-change-{subscription.pk}-{tier.pk}-{uuid.uuid4().hex}",
        )
    except gateway.CardDeclined as exc:
        raise Conflict(
            _("The card did not pay the difference: %(reason)s Nothing changed.")
            % {"reason": str(exc)}
        ) from exc
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        locked.tier = tier
        # A price change announced for the old tier does not follow to the new one.
        locked.next_price_amount, locked.next_price_currency = None, ""
        locked.next_price_from = None
        locked.save(
            update_fields=["tier", "next_price_amount", "next_price_currency", "next_price_from"]
        )
        if locked.paid_until is not None:
            fulfilment().subscription_paid(locked, paid_until=locked.paid_until)
    charged = 0
    if info.latest_invoice_id and info.latest_invoice_id != current.latest_invoice_id:
        invoice = gateway.invoice_retrieve(info.latest_invoice_id)
        invoice_settle(invoice_id=invoice.id)
        charged = invoice.amount_paid
    locked.refresh_from_db()
    return TierChange(subscription=locked, charged=charged, currency=plan.currency)


@transaction.atomic
def invoice_payment_failed(*, invoice_id: str) -> Subscription | None:
    """A renewal was not paid (`invoice.payment_failed`, or
    `invoice.payment_action_required` when the bank asks for 3-D Secure): the
    subscription is past due, access lasts PAYMENTS_RENEWAL_GRACE_DAYS past the paid
    period, and the learner is told where to fix it (once per invoice)."""
    invoice = gateway.invoice_retrieve(invoice_id)
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("user", "tier")
        .filter(stripe_subscription_id=invoice.subscription_id)
        .first()
    )
    if subscription is None or invoice.status != "open" or subscription.paid_until is None:
        # Unknown, paid meanwhile, or a first payment (subscription_start answers those).
        return subscription
    info = gateway.subscription_retrieve(subscription.stripe_subscription_id)
    subscription.status = info.status
    subscription.save(update_fields=["status"])
    grace_end = subscription.paid_until + timedelta(days=settings.PAYMENTS_RENEWAL_GRACE_DAYS)
    fulfilment().subscription_paid(subscription, paid_until=grace_end)
    _tell_unpaid(subscription, invoice=invoice, grace_end=grace_end)
    return subscription


def _tell_unpaid(
    subscription: Subscription, *, invoice: gateway.InvoiceInfo, grace_end: datetime
) -> None:
    url = reverse("payments:subscription_fix", args=[subscription.pk])
    amount = format_money(invoice.amount_due, invoice.currency)

    def text() -> str:
        return _(
            "Your %(amount)s renewal of %(tier)s was not paid. Update your card or confirm "
            "the payment by %(date)s to keep your access."
        ) % {"amount": amount, "tier": subscription.tier.name, "date": format_day(grace_end)}

    notify(
        user=subscription.user,
        kind=NotificationKind.OTHER,
        key=f"invoice-unpaid:{invoice.id}",
        text=text,
        url=url,
        email=email_line_and_link(text, url),
    )


@dataclass(frozen=True)
class OpenRenewal:
    """What the fix-card page shows: the unpaid invoice and what it waits for."""

    invoice_id: str
    amount: int
    currency: str
    status: str  # the invoice's: open, or paid once fixed
    # "requires_action": the bank asks the learner to confirm (client_secret for
    # Stripe.js); "requires_payment_method": the card was refused (reason).
    payment_status: str
    client_secret: str
    reason: str


def subscription_open_renewal(*, subscription: Subscription) -> OpenRenewal | None:
    """The subscription's unpaid renewal at Stripe, or None when nothing is owed."""
    info = gateway.subscription_retrieve(subscription.stripe_subscription_id)
    if not info.latest_invoice_id:
        return None
    invoice = gateway.invoice_retrieve(info.latest_invoice_id)
    if invoice.status != "open":
        return None
    intent = (
        gateway.payment_intent_retrieve(invoice.payment_intent_id)
        if invoice.payment_intent_id
        else None
    )
    return OpenRenewal(
        invoice_id=invoice.id,
        amount=invoice.amount_due,
        currency=invoice.currency,
        status=invoice.status,
        payment_status=intent.status if intent else "requires_payment_method",
        client_secret=intent.client_secret if intent else "",
        reason=intent.failure_message if intent else "",
    )


def subscription_renewal_retry(
    *, subscription: Subscription, user: User, payment_method: str = ""
) -> OpenRenewal | None:
    """Pay a past-due renewal again: with a new default card (`payment_method`, from
    the fix-card form) or, without one, after the learner confirmed with their bank.
    Returns what is still open (None once paid, and access is back)."""
    if subscription.user_id != user.pk:
        raise ValidationError(_("This is not your subscription."))
    if payment_method:
        customer = StripeCustomer.objects.filter(user=user).first()
        try:
            gateway.customer_with_card(
                customer_id=customer.customer_id if customer else "",
                email=user.email,
                payment_method=payment_method,
            )
        except gateway.CardDeclined as exc:
            raise ValidationError(
                _("The card was declined: %(reason)s Nothing was charged.") % {"reason": str(exc)}
            ) from exc
    still_open = subscription_open_renewal(subscription=subscription)
    if still_open is not None and (
        payment_method or still_open.payment_status == "requires_payment_method"
    ):
        gateway.invoice_pay(still_open.invoice_id)
        still_open = subscription_open_renewal(subscription=subscription)
    if still_open is None:
        info = gateway.subscription_retrieve(subscription.stripe_subscription_id)
        if info.latest_invoice_id:
            invoice_settle(invoice_id=info.latest_invoice_id)
    return still_open
