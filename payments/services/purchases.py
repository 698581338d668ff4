"""Tickets: one-off payments for a product whose terms the seller's app decides.

payments knows a product only as `Product` terms (title, price, currency, seller and
the reference the Purchase row keeps); access is granted and ended by the registered
Fulfilment, in the same transaction as the money.
"""

from dataclasses import dataclass
from typing import Any

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.money import format_money
from core.refusals import Conflict
from payments import gateway, ledger
from payments.events import PurchaseCompleted, PurchaseRefunded
from payments.fulfilment import fulfilment
from payments.ledger import Leg
from payments.models import CouponRedemption, LedgerAccount, LedgerTransaction, Purchase
from payments.services.common import (
    Kind,
    account,
    platform_fee,
    short_funds,
    validate_amount,
)
from payments.services.coupons import CouponTarget, coupon_redeem, discounted_sale_legs


@dataclass(frozen=True)
class Product:
    """The terms of a sale, as the selling app states them."""

    title: str
    amount: int
    currency: str
    seller: User
    # The thing sold, kept on the Purchase row (a marketplace.Course or a
    # livestream.LiveSession): Any, because payments may not import either.
    course: Any = None
    live_session: Any = None
    # What a coupon's scope may name it as: (("course", 3),) or (("session", 9),).
    scopes: tuple[tuple[str, int], ...] = ()


def product_coupon_target(product: Product) -> CouponTarget:
    return CouponTarget(
        amount=product.amount,
        currency=product.currency,
        seller=product.seller,
        scopes=product.scopes,
    )


def purchase_open(*, buyer: User, method: str, product: Product, coupon_code: str = "") -> Purchase:
    """A pending purchase at the product's terms, less the coupon's discount if a
    code is given (redeemed in the same transaction); one live purchase per thing.

    The Purchase's amount is what the buyer pays; its fee is the platform's share:
    taken on what was paid when the creator bears the discount, on the full price
    when the platform does (the creator then earns as if paid in full).
    """
    validate_amount(amount=product.amount, currency=product.currency)
    try:
        with transaction.atomic():
            redemption = None
            if coupon_code:
                redemption = coupon_redeem(
                    code=coupon_code, user=buyer, target=product_coupon_target(product)
                )
            paid = product.amount - (redemption.discount if redemption else 0)
            platform_bears = redemption is not None and redemption.bearer == "platform"
            purchase = Purchase.objects.create(
                buyer=buyer,
                seller=product.seller,
                course=product.course,
                live_session=product.live_session,
                title=product.title,
                amount=paid,
                currency=product.currency,
                fee=platform_fee(
                    amount=product.amount if platform_bears else paid, income="purchase"
                ),
                method=method,
            )
            if redemption is not None:
                redemption.purchase = purchase
                redemption.reference = f"payments.purchase:{purchase.pk}"
                redemption.save(update_fields=["purchase", "reference"])
            return purchase
    except IntegrityError:
        raise Conflict(
            _("A purchase of this is already under way; reload the page to see it.")
        ) from None


def platform_discount(purchase: Purchase) -> int:
    """The part of the price the platform paid for the buyer (a staff coupon)."""
    redemption = CouponRedemption.objects.filter(purchase=purchase, released=False).first()
    if redemption is None or redemption.bearer != CouponRedemption.Bearer.PLATFORM:
        return 0
    return redemption.discount


def purchase_complete(purchase: Purchase, *, source: LedgerAccount) -> Purchase:
    """Caller holds the purchase row lock. Posts the sale and grants access, once."""
    if purchase.status != Purchase.Status.PENDING:
        return purchase
    legs = discounted_sale_legs(
        source=source,
        paid=purchase.amount,
        currency=purchase.currency,
        payee=purchase.seller,
        fee=purchase.fee,
        platform_discount=platform_discount(purchase),
    )
    memo = f"Ticket: {purchase.title}"
    redemption = CouponRedemption.objects.filter(purchase=purchase, released=False).first()
    if redemption is not None:
        price = format_money(redemption.list_amount, redemption.currency)
        discount = format_money(redemption.discount, redemption.currency)
        memo += (
            f" (price {price}, coupon {redemption.coupon.code} -{discount}, {redemption.bearer})"
        )
    if legs:  # a free ticket from a 100% creator coupon moves no money
        ledger.post(
            kind=LedgerTransaction.Kind.PURCHASE,
            idempotency_key=f"purchase:{purchase.pk}",
            reference_type="payments.purchase",
            reference_id=str(purchase.pk),
            legs=legs,
            memo=memo,
        )
    purchase.status = Purchase.Status.PAID
    purchase.paid_at = timezone.now()
    purchase.save(update_fields=["status", "paid_at"])
    fulfilment().purchase_paid(purchase)
    events.send_on_commit(
        PurchaseCompleted(
            purchase_id=purchase.pk,
            buyer_id=purchase.buyer_id,
            seller_id=purchase.seller_id,
            course_id=purchase.course_id,
            live_session_id=purchase.live_session_id,
            amount=purchase.amount,
            currency=purchase.currency,
        )
    )
    return purchase


@transaction.atomic
def purchase_pay_with_wallet(*, buyer: User, product: Product, coupon_code: str = "") -> Purchase:
    """Buy from the wallet: paid, posted and granted in one transaction."""
    purchase = purchase_open(
        buyer=buyer, method=Purchase.Method.WALLET, product=product, coupon_code=coupon_code
    )
    wallet = account(Kind.WALLET, purchase.currency, buyer)
    with short_funds(
        _("Your wallet does not hold enough for this ticket. %(detail)s Top up first."),
        code="insufficient_funds",
    ):
        return purchase_complete(purchase, source=wallet)


def sale_reversal_legs(
    purchase: Purchase, *, amount: int, to: LedgerAccount, creator_has: int | None = None
) -> list[Leg]:
    """Take `amount` of a ticket's price back to `to` (the buyer's wallet for a
    refund, Stripe clearing for a chargeback): the creator's earnings and the
    platform's fee give back their shares in proportion, the promotions account its
    share of a staff coupon. With `creator_has` (what the creator's earnings hold),
    the platform bears what the creator's share exceeds it by."""
    currency = purchase.currency
    fee_part = purchase.fee * amount // purchase.amount
    promo_part = platform_discount(purchase) * amount // purchase.amount
    creator_part = amount + promo_part - fee_part
    platform_part = fee_part
    if creator_has is not None and creator_part > creator_has:
        platform_part += creator_part - max(creator_has, 0)
        creator_part = max(creator_has, 0)
    legs = [Leg(to, amount)]
    if creator_part:
        legs.append(Leg(account(Kind.EARNINGS, currency, purchase.seller), -creator_part))
    if platform_part:
        legs.append(Leg(account(Kind.PLATFORM_REVENUE, currency), -platform_part))
    if promo_part:
        legs.append(Leg(account(Kind.PROMOTIONS, currency), promo_part))
    return legs


@transaction.atomic
def purchase_refund(
    *, purchase: Purchase, amount: int, refunded_by: User, expected_refunded: int
) -> Purchase:
    """Give back part or all of a ticket's price to the buyer's wallet (staff only).

    The creator's earnings and the platform's fee give back their shares in
    proportion (and the promotions account its share of a staff coupon). A full
    refund ends the buyer's access. `expected_refunded` is what
    the staff member saw as already refunded: if it changed meanwhile (a second tab,
    a double submit) nothing is refunded twice.
    """
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.refunded_amount != expected_refunded:
        raise Conflict(
            _("This purchase was refunded meanwhile; reload it and check before refunding again.")
        )
    return _refund(purchase, amount=amount, to_card=False, by=refunded_by)


@transaction.atomic
def purchase_refund_to_buyer(*, purchase: Purchase, buyer: User) -> Purchase:
    """The buyer takes back a ticket the seller's rules let them refund (the caller
    checked those): all that is left of it, the way it was paid, back to the card
    for a card payment, to the wallet for a wallet payment. Twice is refused."""
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.buyer_id != buyer.pk:
        raise ValidationError(_("This is not your ticket."))
    if purchase.status == Purchase.Status.REFUNDED:
        raise Conflict(_("This ticket was already refunded."))
    to_card = purchase.method == Purchase.Method.CARD and bool(purchase.payment_intent_id)
    return _refund(purchase, amount=purchase.refundable_amount, to_card=to_card, by=buyer)


def _refund(purchase: Purchase, *, amount: int, to_card: bool, by: User) -> Purchase:
    """Caller holds the purchase row lock. Posts the refund (to the buyer's wallet,
    or back through Stripe to the card), updates the purchase, ends access if whole."""
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED):
        raise Conflict(_("Only a paid ticket can be refunded."))
    validate_amount(amount=amount, currency=purchase.currency, maximum=purchase.refundable_amount)
    # Card money goes back out through Stripe: the clearing account pays it.
    payee = (
        account(Kind.STRIPE_CLEARING, purchase.currency)
        if to_card
        else account(Kind.WALLET, purchase.currency, purchase.buyer)
    )
    legs = sale_reversal_legs(purchase, amount=amount, to=payee)
    key = f"refund:purchase:{purchase.pk}:{purchase.refunded_amount}:{amount}"
    with short_funds(_("The creator's earnings no longer cover this refund. %(detail)s")):
        ledger.post(
            kind=LedgerTransaction.Kind.REFUND,
            idempotency_key=key,
            reference_type="payments.purchase",
            reference_id=str(purchase.pk),
            legs=legs,
            memo=f"Refund of {purchase.title} by {by.email}",
        )
    if to_card:
        # Inside the transaction and keyed like the posting: should Stripe fail, the
        # posting rolls back; a retry after a lost answer refunds once.
        try:
            gateway.refund_create(
                payment_intent_id=purchase.payment_intent_id, amount=amount, idempotency_key=key
            )
        except stripe.StripeError as exc:
            raise ValidationError(
                _("Stripe refused the refund: %(reason)s")
                % {"reason": exc.user_message or str(exc)}
            ) from exc
    purchase.refunded_amount += amount
    full = purchase.refunded_amount == purchase.amount
    purchase.status = Purchase.Status.REFUNDED if full else Purchase.Status.PARTIALLY_REFUNDED
    purchase.save(update_fields=["refunded_amount", "status"])
    if full:
        fulfilment().purchase_refunded(purchase)
        events.send_on_commit(
            PurchaseRefunded(
                purchase_id=purchase.pk, buyer_id=purchase.buyer_id, seller_id=purchase.seller_id
            )
        )
    return purchase
