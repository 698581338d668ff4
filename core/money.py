"""Currency arithmetic shared by every app that shows or accepts a price.

Amounts are integers in minor units (fen, cents) with an ISO 4217 code; floats never
appear. Moving money is payments' services' job; this module only converts and
formats.
"""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.validators import PLAIN_DECIMAL

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€"}


class MoneyError(ValueError):
    """Input that cannot be an amount of money; the message is safe to show."""


def supported_currencies() -> list[str]:
    return list(settings.MARKETPLACE_CURRENCIES)


def currency_exponent(currency: str) -> int:
    try:
        return settings.MARKETPLACE_CURRENCIES[currency]
    except KeyError:
        raise MoneyError(_("Unknown currency “%(code)s”.") % {"code": currency}) from None


def to_minor_units(amount: Decimal | str | int, currency: str) -> int:
    """Convert a major-unit amount ("9.90") to minor units (990), refusing fractions."""
    exponent = currency_exponent(currency)
    if isinstance(amount, str) and not PLAIN_DECIMAL.match(amount.strip()):
        raise MoneyError(_("Enter an amount such as 9.90."))
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise MoneyError(_("Enter an amount such as 9.90.")) from None
    # A plain decimal never has a positive exponent: Decimal("1E2") does.
    if not value.is_finite() or value.as_tuple().exponent > 0:  # type: ignore[operator]
        raise MoneyError(_("Enter an amount such as 9.90."))
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value(rounding=ROUND_DOWN):
        raise MoneyError(_("Use at most %(n)d decimal places.") % {"n": exponent})
    return int(minor)


def to_major_units(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-currency_exponent(currency))


def format_money(amount_minor: int, currency: str) -> str:
    """`990, "CNY"` -> `¥9.90`, `-990` -> `-¥9.90` (the sign before the symbol, as
    people write it); unknown currencies fall back to the code."""
    exponent = settings.MARKETPLACE_CURRENCIES.get(currency, 2)
    major = Decimal(abs(amount_minor)).scaleb(-exponent)
    number = number_format(major, decimal_pos=exponent, use_l10n=True, force_grouping=True)
    sign = "-" if amount_minor < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def validate_currency(value: str) -> None:
    """Model/form validator: the currency is one the marketplace prices in."""
    if value not in settings.MARKETPLACE_CURRENCIES:
        raise ValidationError(
            _("Unknown currency “%(value)s”. Choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(settings.MARKETPLACE_CURRENCIES)},
            code="unknown_currency",
        )


def validate_price_ceiling(value: int) -> None:
    """Model/form validator: refuse absurd prices (typo guard, a setting)."""
    if value > settings.MARKETPLACE_MAX_PRICE_MINOR:
        raise ValidationError(
            _("That price is too high; the most a price can be is %(max)s minor units.")
            % {"max": settings.MARKETPLACE_MAX_PRICE_MINOR},
            code="price_too_high",
        )
