"""What every money service shares: amount checks, the platform fee, sale legs."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money, validate_currency
from core.refusals import Conflict
from payments import ledger
from payments.ledger import Leg
from payments.models import LedgerAccount

Kind = LedgerAccount.Kind


def platform_fee(*, amount: int, income: str) -> int:
    """The platform's share of `amount` for this kind of income, rounded down."""
    return amount * settings.PAYMENTS_FEE_BPS[income] // 10_000


def validate_amount(
    *, amount: object, currency: str, minimum: int = 1, maximum: int | None = None
) -> None:
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


@contextmanager
def short_funds(
    message: str, *, field: str | None = None, code: str | None = None
) -> Iterator[None]:
    """Turn the ledger's InsufficientFunds into a ValidationError a person can act on.

    `message` holds `%(detail)s`, the ledger's "the balance is X and this needs Y".
    """
    try:
        yield
    except ledger.InsufficientFunds as exc:
        text = message % {"detail": exc.messages[0]}
        if field is not None:
            raise Conflict({field: text}) from exc
        raise Conflict(text, code=code) from exc


def account(kind: str, currency: str, owner: User | None = None) -> LedgerAccount:
    return ledger.account_get(kind=kind, currency=currency, owner=owner)


def income_legs(
    *, source: LedgerAccount, amount: int, currency: str, payee: User, fee: int
) -> list[Leg]:
    """`source` -> the payee's earnings, the fee to platform revenue."""
    legs = [
        Leg(source, -amount),
        Leg(account(Kind.EARNINGS, currency, payee), amount - fee),
    ]
    if fee:
        legs.append(Leg(account(Kind.PLATFORM_REVENUE, currency), fee))
    return legs
