"""The only code that talks to Stripe.

One `StripeClient` configured from settings: in development and tests it points at
localstripe (STRIPE_API_BASE, started by the run and test commands); in production
at the real API with real keys. Callers get plain values back, never SDK objects,
so nothing else in the project depends on the SDK.

localstripe workarounds are marked `localstripe:` where they live.
"""

from dataclasses import dataclass
from functools import cache

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _


@cache
def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    client_secret: str
    status: str  # requires_payment_method | requires_confirmation | succeeded | canceled ...
    amount: int
    currency: str  # upper-case ISO code, as the ledger uses
    metadata: dict
    failure_message: str


def _info(intent) -> PaymentIntentInfo:
    error = getattr(intent, "last_payment_error", None)
    return PaymentIntentInfo(
        id=intent.id,
        client_secret=intent.client_secret or "",
        status=intent.status,
        amount=int(intent.amount),
        currency=str(intent.currency).upper(),
        metadata=intent.metadata.to_dict() if intent.metadata else {},
        failure_message=(getattr(error, "message", "") or "") if error else "",
    )


def payment_intent_create(
    *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
) -> PaymentIntentInfo:
    intent = client().v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency.lower(),
            "metadata": metadata,
            "payment_method_types": ["card"],
        },
        options={"idempotency_key": idempotency_key},
    )
    return _info(intent)


def payment_intent_retrieve(payment_intent_id: str) -> PaymentIntentInfo:
    return _info(client().v1.payment_intents.retrieve(payment_intent_id))


def refund_create(*, payment_intent_id: str, amount: int, idempotency_key: str) -> str:
    refund = client().v1.refunds.create(
        params={"payment_intent": payment_intent_id, "amount": amount},
        options={"idempotency_key": idempotency_key},
    )
    return refund.id


def payout_transfer(*, payout) -> str:
    """Send an approved payout. Returns a reference for the records.

    "manual" (the default, and the only choice in development: localstripe has no
    Connect) records that staff paid outside the site. "stripe_connect" transfers to
    the creator's connected account.
    """
    method = settings.PAYMENTS_PAYOUT_METHOD
    if method == "manual":
        return "manual"
    if method == "stripe_connect":
        account = getattr(payout.creator, "stripe_connect_account_id", "")
        if not account:
            raise ValidationError(
                _("This creator has not connected a Stripe account to be paid into yet.")
            )
        transfer = client().v1.transfers.create(
            params={
                "amount": payout.amount,
                "currency": payout.currency.lower(),
                "destination": account,
                "metadata": {"payout": str(payout.pk)},
            },
            options={"idempotency_key": f"payout-{payout.pk}"},
        )
        return transfer.id
    raise ImproperlyConfigured(f"Unknown PAYMENTS_PAYOUT_METHOD {method!r}.")


class CardDeclined(Exception):
    """The card network said no; the message is Stripe's, fit to show the payer."""


def _uses_localstripe() -> bool:
    return "api.stripe.com" not in settings.STRIPE_API_BASE


def card_charge(
    *, amount: int, currency: str, card_token: str, metadata: dict[str, str], idempotency_key: str
) -> PaymentIntentInfo:
    """Charge a card token made by Stripe.js in the browser, as one confirmed
    PaymentIntent. Raises CardDeclined with the bank's reason.

    localstripe: its stand-in Stripe.js makes tokens (`stripe.createToken(card)`) but
    no PaymentMethods, and its PaymentIntents take a card id, not
    `payment_method_data`. So against localstripe we pass the token's card id; against
    real Stripe the documented `payment_method_data[card][token]`.
    """
    params: dict = {
        "amount": amount,
        "currency": currency.lower(),
        "metadata": metadata,
        "confirm": True,
        "payment_method_types": ["card"],
    }
    try:
        if _uses_localstripe():
            params["payment_method"] = client().v1.tokens.retrieve(card_token).card.id
        else:
            params["payment_method_data"] = {"type": "card", "card": {"token": card_token}}
        intent = client().v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or str(exc)) from exc
    except stripe.InvalidRequestError as exc:
        raise CardDeclined(exc.user_message or _("The card details were not accepted.")) from exc
    info = _info(intent)
    if info.status != "succeeded" and info.failure_message:
        raise CardDeclined(info.failure_message)
    return info
