"""Learner wallets: card top-ups credited once, and refunds back to the card."""

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.refusals import Conflict
from payments import gateway, ledger
from payments.ledger import Leg
from payments.models import LedgerTransaction, TopUp
from payments.services.common import Kind, account, short_funds, validate_amount
from payments.services.wallet_disputes import wallet_debt_settle


@transaction.atomic
def wallet_top_up_credit(
    *, user: User, amount: int, currency: str, payment_intent_id: str
) -> LedgerTransaction:
    """Credit a wallet for a card payment that Stripe reported as succeeded.

    Keyed on the PaymentIntent: the webhook and the browser's return can both call
    this, any number of times, and the wallet is credited once.
    """
    validate_amount(amount=amount, currency=currency)
    with transaction.atomic():
        txn = ledger.post(
            kind=LedgerTransaction.Kind.TOP_UP,
            idempotency_key=f"top_up:{payment_intent_id}",
            reference_type="stripe.payment_intent",
            reference_id=payment_intent_id,
            legs=[
                Leg(account(Kind.STRIPE_CLEARING, currency), -amount),
                Leg(account(Kind.WALLET, currency, user), amount),
            ],
            memo=f"Top-up by {user.email}",
        )
        # A chargeback debt is paid first: the wallet stays restricted until it is.
        wallet_debt_settle(user=user, currency=currency, key=payment_intent_id)
    return txn


def top_up_start(*, user: User, amount: int, currency: str) -> TopUp:
    """Record a top-up the learner is about to pay by card."""
    validate_amount(
        amount=amount,
        currency=currency,
        minimum=settings.PAYMENTS_MIN_TOP_UP,
        maximum=settings.PAYMENTS_MAX_TOP_UP,
    )
    return TopUp.objects.create(user=user, amount=amount, currency=currency)


def top_up_fail(top_up: TopUp, message: str) -> TopUp:
    """Mark a pending top-up failed with the bank's reason (nothing was charged)."""
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
        if top_up.status == TopUp.Status.PENDING:
            top_up.status = TopUp.Status.FAILED
            top_up.failure_message = message[:300]
            top_up.save(update_fields=["status", "failure_message"])
    return top_up


@transaction.atomic
def top_up_refund(
    *, top_up: TopUp, amount: int, refunded_by: User, expected_refunded: int
) -> TopUp:
    """Give card money back (staff only): out of the wallet, back to the card.

    Only what is still in the wallet can go back; money already spent on tickets or
    tips is refunded through those instead. `expected_refunded` guards against a
    double submit, as for tickets.
    """
    top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
    if top_up.status != TopUp.Status.SUCCEEDED:
        raise Conflict(_("Only a paid top-up can be refunded."))
    if top_up.refunded_amount != expected_refunded:
        raise Conflict(
            _("This top-up was refunded meanwhile; reload it and check before refunding again.")
        )
    validate_amount(
        amount=amount, currency=top_up.currency, maximum=top_up.amount - top_up.refunded_amount
    )
    key = f"refund:top_up:{top_up.pk}:{top_up.refunded_amount}:{amount}"
    with short_funds(_("The wallet no longer holds that much. %(detail)s")):
        ledger.post(
            kind=LedgerTransaction.Kind.REFUND,
            idempotency_key=key,
            reference_type="payments.top_up",
            reference_id=str(top_up.pk),
            legs=[
                Leg(account(Kind.WALLET, top_up.currency, top_up.user), -amount),
                Leg(account(Kind.STRIPE_CLEARING, top_up.currency), amount),
            ],
            memo=f"Top-up refund by {refunded_by.email}",
        )
    # The card refund happens last: if Stripe refuses, the ledger posting above rolls
    # back with this transaction. Stripe's idempotency key makes a retry safe.
    try:
        gateway.refund_create(
            payment_intent_id=top_up.payment_intent_id or "", amount=amount, idempotency_key=key
        )
    except stripe.StripeError as exc:
        raise ValidationError(
            _("Stripe refused the refund: %(reason)s") % {"reason": exc.user_message or str(exc)}
        ) from exc
    top_up.refunded_amount += amount
    top_up.save(update_fields=["refunded_amount"])
    return top_up
