from decimal import Decimal

import pytest
from django.utils import translation

from core.money import MoneyError, format_money, to_major_units, to_minor_units


@pytest.mark.parametrize(
    ("major", "minor"), [("9.90", 990), ("30", 3000), (Decimal("0.01"), 1), ("0", 0)]
)
def test_major_units_convert_exactly_to_minor_units(major, minor):
    assert to_minor_units(major, "CNY") == minor
    assert to_major_units(minor, "CNY") == Decimal(minor) / 100


@pytest.mark.parametrize("bad", ["9.999", "abc", "NaN", "Infinity"])
def test_amounts_that_are_not_money_are_refused(bad):
    with pytest.raises(MoneyError):
        to_minor_units(bad, "CNY")


def test_unknown_currency_is_refused():
    with pytest.raises(MoneyError):
        to_minor_units("1", "XYZ")


def test_format_money_uses_symbol_and_two_decimals():
    # In English: the grouping follows the active language (Chinese groups by four),
    # and an earlier test may leave another one active.
    with translation.override("en"):
        assert format_money(990, "CNY") == "¥9.90"
        assert format_money(123456, "USD") == "$1,234.56"


def test_a_negative_amount_puts_the_sign_before_the_symbol():
    with translation.override("en"):
        assert format_money(-990, "CNY") == "-¥9.90"
        assert format_money(-123456, "USD") == "-$1,234.56"
    with translation.override("zh-hans"):
        assert format_money(-990, "CNY") == "-¥9.90"
