"""Chargebacks: a card payment the buyer's bank takes back (`charge.dispute.*`).

Stripe withdraws the disputed amount from the platform when the dispute opens, so
the sale is reversed then: the learner loses the ticket's access, the creator's
earning and the platform's fee go back to Stripe clearing through the ledger (if
the creator has already been paid out, the platform bears the difference), and the
creator is told why in their notifications.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import notification_send
from core import events
from core.money import format_money
from payments import gateway, ledger
from payments.events import PurchaseRefunded
from payments.fulfilment import fulfilment
from payments.ledger import Leg
from payments.models import LedgerTransaction, Purchase, TopUp
from payments.services.common import Kind, account
from payments.services.purchases import sale_reversal_legs
from payments.services.wallet_disputes import top_up_dispute_settle

log = logging.getLogger(__name__)

REASONS = {
    "fraudulent": gettext_lazy("the card holder says they did not make this payment"),
    "product_not_received": gettext_lazy("the buyer says they did not receive what they paid for"),
    "duplicate": gettext_lazy("the buyer says they were charged twice"),
    "unrecognized": gettext_lazy("the card holder does not recognise the payment"),
}
NO_REASON = gettext_lazy("the buyer's bank gave no reason")


@transaction.atomic
def dispute_settle(*, dispute_id: str) -> Purchase | TopUp | None:
    """Reverse the card purchase or wallet top-up (services/wallet_disputes.py) a
    dispute is about, once (a redelivered or later event about the same dispute
    changes nothing). None if the disputed payment is neither (logged for staff)."""
    dispute = gateway.dispute_retrieve(dispute_id)
    purchase = (
        Purchase.objects.select_for_update()
        .select_related("seller", "buyer")
        .filter(payment_intent_id=dispute.payment_intent)
        .first()
    )
    if purchase is None:
        top_up = TopUp.objects.filter(payment_intent_id=dispute.payment_intent).first()
        if top_up is not None:
            return top_up_dispute_settle(top_up, dispute)
        log.warning("Dispute %s is about %s, which we did not sell: staff must look",
                    dispute.id, dispute.payment_intent)  # fmt: skip
        return None
    if dispute.status in ("won", "warning_closed"):
        return _dispute_won(purchase, dispute.id)
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED):
        return purchase  # reversed already, refunded in full, or never paid
    amount = purchase.amount - purchase.refunded_amount
    earnings = account(Kind.EARNINGS, purchase.currency, purchase.seller)
    ledger.post(
        kind=LedgerTransaction.Kind.DISPUTE,
        idempotency_key=f"dispute:{dispute.id}",
        reference_type="payments.purchase",
        reference_id=str(purchase.pk),
        legs=sale_reversal_legs(
            purchase,
            amount=amount,
            to=account(Kind.STRIPE_CLEARING, purchase.currency),
            creator_has=ledger.balance(earnings),
        ),
        memo=f"Chargeback {dispute.id} ({dispute.reason}) of {purchase.title}",
    )
    purchase.status = Purchase.Status.DISPUTED
    purchase.save(update_fields=["status"])
    fulfilment().purchase_refunded(purchase)
    events.send_on_commit(
        PurchaseRefunded(
            purchase_id=purchase.pk, buyer_id=purchase.buyer_id, seller_id=purchase.seller_id
        )
    )
    seller = purchase.seller
    with translation.override(seller.preferred_language or settings.LANGUAGE_CODE):
        why = str(REASONS.get(dispute.reason, NO_REASON))
        notification_send(
            user=seller,
            key=f"dispute:{dispute.id}",
            text=_(
                "The buyer's bank took back the card payment for “%(title)s” (%(why)s): "
                "their ticket and your earning from it were reversed (%(amount)s)."
            )
            % {
                "title": purchase.title,
                "why": why,
                "amount": format_money(amount, purchase.currency),
            },
            url=reverse("payments:earnings"),
        )
    return purchase


def _dispute_won(purchase: Purchase, dispute_id: str) -> Purchase:
    """The bank sided with the seller and Stripe returned the money: undo the
    reversal entry by entry (once) and give the buyer their access back. A dispute
    won before we ever reversed it changes nothing."""
    reversal = (
        LedgerTransaction.objects.filter(idempotency_key=f"dispute:{dispute_id}")
        .prefetch_related("entries__account")
        .first()
    )
    if reversal is None or purchase.status != Purchase.Status.DISPUTED:
        return purchase
    ledger.post(
        kind=LedgerTransaction.Kind.DISPUTE,
        idempotency_key=f"dispute:{dispute_id}:won",
        reference_type="payments.purchase",
        reference_id=str(purchase.pk),
        legs=[Leg(entry.account, -entry.amount) for entry in reversal.entries.all()],
        memo=f"Chargeback {dispute_id} won: {purchase.title} restored",
    )
    purchase.status = (
        Purchase.Status.PARTIALLY_REFUNDED if purchase.refunded_amount else Purchase.Status.PAID
    )
    purchase.save(update_fields=["status"])
    fulfilment().purchase_reinstated(purchase)
    return purchase
