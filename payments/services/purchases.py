"""Tickets: one-off payments for a product whose terms the seller's app decides.

payments knows a product only as `Product` terms (title, price, currency, seller and
the reference the Purchase row keeps); access is granted and ended by the registered
Fulfilment, in the same transaction as the money.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from payments import ledger
from payments.events import PurchaseCompleted
from payments.fulfilment import fulfilment
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerTransaction, Purchase
from payments.services.common import (
    Kind,
    account,
    income_legs,
    platform_fee,
    short_funds,
    validate_amount,
)


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


def purchase_open(*, buyer: User, method: str, product: Product) -> Purchase:
    """A pending purchase at the product's terms; one live purchase per thing."""
    validate_amount(amount=product.amount, currency=product.currency)
    try:
        with transaction.atomic():
            return Purchase.objects.create(
                buyer=buyer,
                seller=product.seller,
                course=product.course,
                live_session=product.live_session,
                title=product.title,
                amount=product.amount,
                currency=product.currency,
                fee=platform_fee(amount=product.amount, income="purchase"),
                method=method,
            )
    except IntegrityError:
        raise ValidationError(
            _("A purchase of this is already under way; reload the page to see it.")
        ) from None


def purchase_complete(purchase: Purchase, *, source: LedgerAccount) -> Purchase:
    """Caller holds the purchase row lock. Posts the sale and grants access, once."""
    if purchase.status != Purchase.Status.PENDING:
        return purchase
    ledger.post(
        kind=LedgerTransaction.Kind.PURCHASE,
        idempotency_key=f"purchase:{purchase.pk}",
        reference_type="payments.purchase",
        reference_id=str(purchase.pk),
        legs=income_legs(
            source=source,
            amount=purchase.amount,
            currency=purchase.currency,
            payee=purchase.seller,
            fee=purchase.fee,
        ),
        memo=f"Ticket: {purchase.title}",
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
def purchase_pay_with_wallet(*, buyer: User, product: Product) -> Purchase:
    """Buy from the wallet: paid, posted and granted in one transaction."""
    purchase = purchase_open(buyer=buyer, method=Purchase.Method.WALLET, product=product)
    wallet = account(Kind.WALLET, purchase.currency, buyer)
    with short_funds(
        _("Your wallet does not hold enough for this ticket. %(detail)s Top up first."),
        code="insufficient_funds",
    ):
        return purchase_complete(purchase, source=wallet)


@transaction.atomic
def purchase_refund(
    *, purchase: Purchase, amount: int, refunded_by: User, expected_refunded: int
) -> Purchase:
    """Give back part or all of a ticket's price to the buyer's wallet (staff only).

    The creator's earnings and the platform's fee give back their shares in
    proportion. A full refund ends the buyer's access. `expected_refunded` is what
    the staff member saw as already refunded: if it changed meanwhile (a second tab,
    a double submit) nothing is refunded twice.
    """
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED):
        raise ValidationError(_("Only a paid ticket can be refunded."))
    if purchase.refunded_amount != expected_refunded:
        raise ValidationError(
            _("This purchase was refunded meanwhile; reload it and check before refunding again.")
        )
    validate_amount(amount=amount, currency=purchase.currency, maximum=purchase.refundable_amount)
    currency = purchase.currency
    fee_part = purchase.fee * amount // purchase.amount
    legs = [
        Leg(account(Kind.EARNINGS, currency, purchase.seller), -(amount - fee_part)),
        Leg(account(Kind.WALLET, currency, purchase.buyer), amount),
    ]
    if fee_part:
        legs.append(Leg(account(Kind.PLATFORM_REVENUE, currency), -fee_part))
    with short_funds(_("The creator's earnings no longer cover this refund. %(detail)s")):
        ledger.post(
            kind=LedgerTransaction.Kind.REFUND,
            idempotency_key=f"refund:purchase:{purchase.pk}:{purchase.refunded_amount}:{amount}",
            reference_type="payments.purchase",
            reference_id=str(purchase.pk),
            legs=legs,
            memo=f"Refund of {purchase.title} by {refunded_by.email}",
        )
    purchase.refunded_amount += amount
    full = purchase.refunded_amount == purchase.amount
    purchase.status = Purchase.Status.REFUNDED if full else Purchase.Status.PARTIALLY_REFUNDED
    purchase.save(update_fields=["refunded_amount", "status"])
    if full:
        fulfilment().purchase_refunded(purchase)
    return purchase
