"""Money movements: every one is a balanced ledger posting (payments.ledger.post).

Amounts are integer minor units; every public service validates amount and currency
before anything is written, and raises ValidationError with a message a person can
act on.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from payments import ledger
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerTransaction, Tip
from payments.money import format_money, validate_currency

Kind = LedgerAccount.Kind


def platform_fee(*, amount: int, income: str) -> int:
    """The platform's share of `amount` for this kind of income, rounded down."""
    return amount * settings.PAYMENTS_FEE_BPS[income] // 10_000


def validate_amount(*, amount, currency: str, minimum: int = 1, maximum: int | None = None):
    """Refuse zero, negative, fractional, absurd amounts and unknown currencies."""
    validate_currency(currency)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(
            {"amount": _("Amounts are whole numbers of minor units (990 is 9.90).")}
        )
    maximum = settings.MARKETPLACE_MAX_PRICE_MINOR if maximum is None else maximum
    if amount < minimum:
        raise ValidationError(
            {
                "amount": _("The smallest amount is %(min)s.")
                % {"min": format_money(minimum, currency)}
            }
        )
    if amount > maximum:
        raise ValidationError(
            {
                "amount": _("The largest amount is %(max)s.")
                % {"max": format_money(maximum, currency)}
            }
        )


def wallet_balance(*, user: User, currency: str) -> int:
    account = LedgerAccount.objects.filter(kind=Kind.WALLET, owner=user, currency=currency).first()
    return ledger.balance(account) if account else 0


@transaction.atomic
def wallet_top_up_credit(
    *, user: User, amount: int, currency: str, payment_intent_id: str
) -> LedgerTransaction:
    """Credit a wallet for a card payment that Stripe reported as succeeded.

    Keyed on the PaymentIntent: the webhook and the browser's return can both call
    this, any number of times, and the wallet is credited once.
    """
    validate_amount(amount=amount, currency=currency)
    return ledger.post(
        kind=LedgerTransaction.Kind.TOP_UP,
        idempotency_key=f"top_up:{payment_intent_id}",
        reference_type="stripe.payment_intent",
        reference_id=payment_intent_id,
        legs=[
            Leg(ledger.account_get(kind=Kind.STRIPE_CLEARING, currency=currency), -amount),
            Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=user), amount),
        ],
        memo=f"Top-up by {user.email}",
    )


@transaction.atomic
def tip_send(
    *,
    tipper: User,
    creator: User,
    amount: int,
    currency: str,
    client_key: str,
    message: str = "",
    live_session=None,
) -> Tip:
    """Move a tip from the tipper's wallet to the creator's earnings, minus the fee.

    Raises ValidationError (nothing written) for a bad amount, a tip to oneself, or
    a wallet that does not hold enough. The same `client_key` returns the first tip.
    """
    existing = Tip.objects.filter(tipper=tipper, client_key=client_key).first()
    if existing is not None:
        return existing
    validate_amount(amount=amount, currency=currency, minimum=settings.PAYMENTS_MIN_TIP)
    if tipper.pk == creator.pk:
        raise ValidationError(_("You cannot tip yourself."))
    if len(message) > 200:
        raise ValidationError({"message": _("Keep the message under 200 characters.")})

    fee = platform_fee(amount=amount, income="tip")
    legs = [
        Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=tipper), -amount),
        Leg(
            ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=creator),
            amount - fee,
        ),
    ]
    if fee:
        legs.append(Leg(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=currency), fee))
    try:
        txn = ledger.post(
            kind=LedgerTransaction.Kind.TIP,
            idempotency_key=f"tip:{tipper.pk}:{client_key}",
            reference_type="payments.tip",
            reference_id=client_key,
            legs=legs,
            memo=f"Tip from {tipper.email} to {creator.email}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            {
                "amount": _("Your wallet does not hold enough for this tip. %(detail)s")
                % {"detail": exc.messages[0]}
            }
        ) from exc
    try:
        with transaction.atomic():
            return Tip.objects.create(
                tipper=tipper,
                creator=creator,
                live_session=live_session,
                amount=amount,
                currency=currency,
                fee=fee,
                message=message.strip(),
                client_key=client_key,
                ledger_transaction=txn,
            )
    except IntegrityError:
        # The same tip was recorded by a concurrent twin request.
        return Tip.objects.get(tipper=tipper, client_key=client_key)
