"""Tips: wallet -> the creator's earnings, minus the platform fee, once per click."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import events
from core.refusals import Refused
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
    try:
        validate_amount(amount=amount, currency=currency, minimum=settings.PAYMENTS_MIN_TIP)
        if tipper.pk == creator.pk:
            raise Refused(_("You cannot tip yourself."))
        if len(message) > 200:
            raise ValidationError({"message": _("Keep the message under 200 characters.")})
    except ValidationError:
        # A retried click finds its first tip whatever changed since (a minimum raised).
        existing = Tip.objects.filter(tipper=tipper, client_key=client_key).first()
        if existing is not None:
            return existing
        raise

    # No look-up of the key first: the posting's idempotency key is the tip's
    # (tipper, client_key), so a retried click posts nothing and finds its tip below.
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
        # An earlier click with the key posted it, or a concurrent twin did while we
        # waited for the wallet's lock (and recorded the tip in the same commit).
        return Tip.objects.get(tipper=tipper, client_key=client_key)
    tip = Tip(
        tipper=tipper,
        creator=creator,
        live_session=live_session,
        amount=amount,
        currency=currency,
        fee=fee,
        message=message.strip(),
        client_key=client_key,
        ledger_transaction=txn,
        created_at=timezone.now(),
    )
    _tip_insert(tip)
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


# Every column of a tip row but its id, in the order `_tip_insert` writes them
# (tests/payments/test_tips.py holds it to the model's fields).
TIP_COLUMNS = (
    "amount",
    "currency",
    "tipper_id",
    "creator_id",
    "live_session_id",
    "fee",
    "message",
    "client_key",
    "ledger_transaction_id",
    "created_at",
)
_TIP_INSERT = (
    f"INSERT INTO {Tip._meta.db_table} ({', '.join(TIP_COLUMNS)}) "  # noqa: S608 - our names
    f"VALUES ({', '.join(['%s'] * len(TIP_COLUMNS))}) RETURNING id"
)


def _tip_insert(tip: Tip) -> None:
    """`tip.save()`'s INSERT, written out once: a tip is a hot path (a live
    room's audience tipping at once) and the ORM's insert building cost a fifth of one.
    Sends no pre_save/post_save (nothing listens to a Tip's)."""
    with connection.cursor() as cursor:
        cursor.execute(_TIP_INSERT, [getattr(tip, column) for column in TIP_COLUMNS])
        tip.pk = cursor.fetchone()[0]
    tip._state.adding = False
    tip._state.db = connection.alias
