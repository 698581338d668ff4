"""Tier subscriptions billed by Stripe: plans, the first charge, invoices, cancelling.

The selling app states the terms (`Product`: the plan's name, price, currency and
seller; the tier is the reference); an `invoice.paid` settles the same way as the
first invoice, and the registered Fulfilment extends access.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.money import format_money
from payments import gateway, ledger
from payments.events import SubscriptionCancelled, SubscriptionInvoicePaid
from payments.fulfilment import fulfilment
from payments.models import (
    CouponRedemption,
    LedgerTransaction,
    StripeCustomer,
    Subscription,
    SubscriptionCharge,
    TierPlan,
)
from payments.services.common import Kind, account, income_legs, platform_fee, validate_amount
from payments.services.coupons import coupon_redeem, coupon_release, discounted_sale_legs
from payments.services.purchases import Product, product_coupon_target

# `tier` is a marketplace.SubscriptionTier, typed Any: payments may not import it.


RENEWING = ("active", "trialing", "past_due")


def tier_plan_get(*, tier: Any, name: str, amount: int, currency: str) -> TierPlan:
    """The Stripe plan that bills `tier` at this price, created on first use."""
    plan = TierPlan.objects.filter(tier=tier, amount=amount, currency=currency).first()
    if plan is not None:
        return plan
    product_id, plan_id = gateway.plan_create(
        name=name, amount=amount, currency=currency, metadata={"tier": str(tier.pk)}
    )
    try:
        with transaction.atomic():
            return TierPlan.objects.create(
                tier=tier, amount=amount, currency=currency, product_id=product_id, plan_id=plan_id
            )
    except IntegrityError:  # made by a concurrent first subscriber; theirs is as good
        return TierPlan.objects.get(tier=tier, amount=amount, currency=currency)


def subscription_start(
    *, user: User, tier: Any, product: Product, payment_method: str, coupon_code: str = ""
) -> Subscription:
    """Subscribe to a tier with a card at the `product` terms: Stripe bills monthly.

    The caller (the selling app) checked that the tier is on sale to this user. The
    first invoice is settled at once (access and the creator's earnings); later
    ones arrive as `invoice.paid` webhooks and settle the same way. A coupon
    (`coupon_code`) takes its discount off the first month only, as a Stripe coupon
    on the subscription; it is given back if the card is refused.
    """
    validate_amount(amount=product.amount, currency=product.currency)
    plan = tier_plan_get(
        tier=tier, name=product.title, amount=product.amount, currency=product.currency
    )
    redemption = None
    if coupon_code:
        redemption = coupon_redeem(
            code=coupon_code, user=user, target=product_coupon_target(product)
        )
    try:
        info = _subscribe(
            user=user, tier=tier, plan=plan, payment_method=payment_method, redemption=redemption
        )
    except (gateway.CardDeclined, stripe.CardError) as exc:
        if redemption is not None:
            coupon_release(redemption)
        raise ValidationError(
            _("The card was declined: %(reason)s Nothing was charged.") % {"reason": str(exc)}
        ) from exc
    except Exception:
        if redemption is not None:
            coupon_release(redemption)
        raise
    if redemption is not None:
        # invoice_settle finds the discount of the first invoice by this reference.
        CouponRedemption.objects.filter(pk=redemption.pk).update(
            reference=f"stripe.invoice:{info.latest_invoice_id}"
        )
    subscription, _created = Subscription.objects.get_or_create(
        stripe_subscription_id=info.id,
        defaults={"user": user, "tier": tier, "status": info.status},
    )
    if info.latest_invoice_id:
        invoice_settle(invoice_id=info.latest_invoice_id)
    subscription.refresh_from_db()
    return subscription


def _subscribe(
    *,
    user: User,
    tier: Any,
    plan: TierPlan,
    payment_method: str,
    redemption: CouponRedemption | None,
) -> gateway.SubscriptionInfo:
    """The Stripe side of `subscription_start`: customer, card, coupon, subscription."""
    customer = StripeCustomer.objects.filter(user=user).first()
    customer_id = gateway.customer_with_card(
        customer_id=customer.customer_id if customer else "",
        email=user.email,
        payment_method=payment_method,
    )
    if customer is None:
        StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
    coupon_id = ""
    if redemption is not None and redemption.discount:
        coupon_id = gateway.coupon_once(
            coupon_id=f"zl-coupon-use-{redemption.pk}",
            amount_off=redemption.discount,
            currency=redemption.currency,
        )
    return gateway.subscription_create(
        customer_id=customer_id,
        plan_id=plan.plan_id,
        metadata={"tier": str(tier.pk), "user": str(user.pk)},
        idempotency_key=f"subscribe-{user.pk}-{tier.pk}-{uuid.uuid4().hex}",
        coupon_id=coupon_id,
    )


@transaction.atomic
def invoice_settle(*, invoice_id: str) -> Subscription | None:
    """Credit a paid subscription invoice and extend access to the end of its period.

    Safe in any order and any number of times: the posting is keyed on the invoice,
    and access only ever extends to the latest period paid. A first invoice with a
    coupon is split like a discounted sale: the creator's fee is on what was paid
    when they bear the discount, and on the full price when the platform does.
    """
    invoice = gateway.invoice_retrieve(invoice_id)
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("tier", "user")
        .filter(stripe_subscription_id=invoice.subscription_id)
        .first()
    )
    if subscription is None or invoice.status != "paid":
        return subscription
    redemption = (
        CouponRedemption.objects.select_related("coupon")
        .filter(reference=f"stripe.invoice:{invoice.id}", released=False)
        .first()
    )
    seller = fulfilment().subscription_seller(subscription)
    clearing = account(Kind.STRIPE_CLEARING, invoice.currency)
    memo = f"Subscription {subscription.tier} by {subscription.user.email}"
    if invoice.proration:
        memo += " (tier change, prorated to the end of the period)"
    if invoice.amount_paid <= 0 and redemption is None:
        # Paid in full by a credit (a downgrade's unused time): access, no money.
        legs = []
    elif redemption is None:
        legs = income_legs(
            source=clearing,
            amount=invoice.amount_paid,
            currency=invoice.currency,
            payee=seller,
            fee=platform_fee(amount=invoice.amount_paid, income="subscription"),
        )
    else:
        on_platform = redemption.discount if redemption.bearer == "platform" else 0
        legs = discounted_sale_legs(
            source=clearing,
            paid=invoice.amount_paid,
            currency=invoice.currency,
            payee=seller,
            fee=platform_fee(amount=invoice.amount_paid + on_platform, income="subscription"),
            platform_discount=on_platform,
        )
        memo += (
            f" (price {format_money(redemption.list_amount, redemption.currency)}, coupon "
            f"{redemption.coupon.code} -{format_money(redemption.discount, redemption.currency)}"
            f", {redemption.bearer})"
        )
    if legs:  # a first month free by the creator's coupon, or by a credit, moves no money
        ledger.post(
            kind=LedgerTransaction.Kind.SUBSCRIPTION,
            idempotency_key=f"invoice:{invoice.id}",
            reference_type="stripe.invoice",
            reference_id=invoice.id,
            legs=legs,
            memo=memo,
        )
    paid_until = datetime.fromtimestamp(invoice.period_end, tz=UTC)
    SubscriptionCharge.objects.get_or_create(
        invoice_id=invoice.id,
        defaults={
            "subscription": subscription,
            "tier": subscription.tier,
            "is_tier_change": invoice.proration,
            "amount": invoice.amount_paid,
            "currency": invoice.currency,
            "period_end": paid_until,
        },
    )
    fulfilment().subscription_paid(subscription, paid_until=paid_until)
    first = subscription.paid_until is None
    if subscription.paid_until is None or paid_until > subscription.paid_until:
        subscription.paid_until = paid_until
    subscription.status = "active"
    subscription.save(update_fields=["paid_until", "status"])
    if subscription.next_price_from is not None:
        # The renewal after this one may be the first at the announced price.
        transaction.on_commit(subscription_prices_apply)
    events.send_on_commit(
        SubscriptionInvoicePaid(
            subscription_id=subscription.pk,
            user_id=subscription.user_id,
            tier_id=subscription.tier_id,
            invoice_id=invoice.id,
            amount=invoice.amount_paid,
            currency=invoice.currency,
            first=first,
        )
    )
    return subscription


@transaction.atomic
def subscription_sync(*, subscription_id: str) -> Subscription | None:
    """Mirror Stripe's status and cancellation flag (webhook: subscription updated)."""
    subscription = (
        Subscription.objects.select_for_update()
        .filter(stripe_subscription_id=subscription_id)
        .first()
    )
    if subscription is None:
        return None
    info = gateway.subscription_retrieve(subscription_id)
    was_cancelled = subscription.cancel_at_period_end or subscription.status == "canceled"
    subscription.status = info.status
    subscription.cancel_at_period_end = info.cancel_at_period_end
    subscription.save(update_fields=["status", "cancel_at_period_end"])
    tier_id = (info.plan_metadata or {}).get("tier", "")
    if tier_id.isdigit() and int(tier_id) != subscription.tier_id:
        # Changed at Stripe (a tier change whose reply we did not get to record).
        subscription.tier_id = int(tier_id)
        subscription.save(update_fields=["tier"])
        if subscription.paid_until is not None:
            fulfilment().subscription_paid(subscription, paid_until=subscription.paid_until)
    if not was_cancelled and (info.cancel_at_period_end or info.status == "canceled"):
        events.send_on_commit(
            SubscriptionCancelled(
                subscription_id=subscription.pk,
                user_id=subscription.user_id,
                tier_id=subscription.tier_id,
            )
        )
    return subscription


def subscription_cancel(*, subscription: Subscription, user: User) -> Subscription | None:
    """Stop renewing; access lasts until the end of the period already paid."""
    if subscription.user_id != user.pk:
        raise ValidationError(_("This is not your subscription."))
    gateway.subscription_cancel_at_period_end(subscription.stripe_subscription_id)
    return subscription_sync(subscription_id=subscription.stripe_subscription_id)


@transaction.atomic
def tier_price_change_schedule(
    *, tier: Any, amount: int, currency: str, notice_days: int
) -> list[Subscription]:
    """A tier's new price reaches its current subscribers only after notice: each
    keeps what they pay until the first renewal at least `notice_days` from now.
    Returns the subscriptions to tell (not those already ending). New subscribers
    pay the new price at once (the caller has changed the tier)."""
    validate_amount(amount=amount, currency=currency)
    effective = timezone.now() + timedelta(days=notice_days)
    subscriptions = list(
        Subscription.objects.select_for_update()
        .filter(tier=tier, status__in=RENEWING, cancel_at_period_end=False)
        .order_by("pk")
    )
    for subscription in subscriptions:
        subscription.next_price_amount = amount
        subscription.next_price_currency = currency
        subscription.next_price_from = effective
    Subscription.objects.bulk_update(
        subscriptions, ["next_price_amount", "next_price_currency", "next_price_from"]
    )
    return subscriptions


def subscription_prices_apply(*, now: datetime | None = None) -> int:
    """Move every subscription whose next renewal falls on or after its announced
    price's date to that price at Stripe (beat, hourly, and after each paid
    invoice). Returns how many moved."""
    due = Subscription.objects.filter(
        next_price_from__isnull=False,
        paid_until__gte=F("next_price_from"),
        status__in=RENEWING,
    ).select_related("tier")
    moved = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update(skip_locked=True)
                .select_related("tier")
                .filter(pk=pk, next_price_from__isnull=False)
                .first()
            )
            if subscription is None or subscription.next_price_amount is None:
                continue
            plan = tier_plan_get(
                tier=subscription.tier,
                name=subscription.tier.name,
                amount=subscription.next_price_amount,
                currency=subscription.next_price_currency,
            )
            gateway.subscription_plan_set(subscription.stripe_subscription_id, plan.plan_id)
            subscription.next_price_amount = None
            subscription.next_price_currency = ""
            subscription.next_price_from = None
            subscription.save(
                update_fields=["next_price_amount", "next_price_currency", "next_price_from"]
            )
            moved += 1
    return moved
