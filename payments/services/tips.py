"""Tips: wallet -> the creator's earnings, minus the platform fee, once per click."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from payments import ledger
from payments.events import TipSent
from payments.models import LedgerTransaction, Tip
from payments.services.common import (
    Kind,
    account,
    income_legs,
    platform_fee,
    short_funds,
    validate_amount,
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
    live_session: Any = None,  # a livestream.LiveSession: payments may not import it
) -> Tip:
    """Move a tip from the tipper's wallet to the creator's earnings, minus the fee.

    Raises ValidationError (nothing written) for a bad amount, a tip to oneself, or
    a wallet that does not hold enough. The same `client_key` returns the first tip.
    `live_session` is where the tip was sent from, if anywhere (kept on the record).
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
    with short_funds(
        _("Your wallet does not hold enough for this tip. %(detail)s"), field="amount"
    ):
        txn, posted = ledger.post_once(
            kind=LedgerTransaction.Kind.TIP,
            idempotency_key=f"tip:{tipper.pk}:{client_key}",
            reference_type="payments.tip",
            reference_id=client_key,
            legs=income_legs(
                source=account(Kind.WALLET, currency, tipper),
                amount=amount,
                currency=currency,
                payee=creator,
                fee=fee,
            ),
            memo=f"Tip from {tipper.email} to {creator.email}",
        )
    if not posted:
        # A concurrent twin click posted it (and recorded the tip in the same commit)
        # while we waited for the wallet's lock.
        return Tip.objects.get(tipper=tipper, client_key=client_key)
    tip = Tip.objects.create(
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
    events.send_on_commit(
        TipSent(
            tip_id=tip.pk,
            tipper_id=tipper.pk,
            creator_id=creator.pk,
            live_session_id=live_session.pk if live_session is not None else None,
            amount=amount,
            currency=currency,
        )
    )
    return tip
