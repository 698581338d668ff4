"""Input rules every form, API field and live-room message shares.

Control characters (NUL, escape, backspace, the C1 block, ...) have no place in text
people type: they corrupt logs and terminals, split strings in C libraries and hide
text from reviewers. Newline, carriage return and tab are allowed where a field is
multi-line; nothing else of Unicode's "Cc" category is.

Amounts people type are plain decimals ("9.90", "12"): no exponent ("1E2"), no sign,
no grouping, at most the currency's minor digits (checked by core.money).
"""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

_MULTILINE_WHITESPACE = frozenset("\t\n\r")
PLAIN_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,6})?$")
PLAIN_INTEGER = re.compile(r"^-?\d{1,18}$")

CONTROL_CHARACTERS_MESSAGE = _(
    "Remove the control characters (invisible characters such as NUL) from this text."
)


def control_character_find(value: str, *, multiline: bool = True) -> str | None:
    """The first control character in `value` that a field may not hold, or None."""
    for char in value:
        if unicodedata.category(char) == "Cc" and not (multiline and char in _MULTILINE_WHITESPACE):
            return char
    return None


@deconstructible
class ProhibitControlCharactersValidator:
    """Refuse control characters; `multiline` lets newline, return and tab through."""

    code = "control_characters"

    def __init__(self, multiline: bool = True) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and control_character_find(value, multiline=self.multiline):
            raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code=self.code)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ProhibitControlCharactersValidator)
            and other.multiline == self.multiline
        )


def control_characters_refuse(value: str, *, field: str, multiline: bool = True) -> None:
    """For services: a ValidationError on `field` if `value` holds a control character."""
    if control_character_find(value, multiline=multiline):
        raise ValidationError({field: [CONTROL_CHARACTERS_MESSAGE]})


def plain_decimal_check(raw: str) -> None:
    """Refuse an amount typed as anything but a plain decimal such as 9.90."""
    if not PLAIN_DECIMAL.match(raw.strip()):
        raise ValidationError(_("Enter a plain amount such as 9.90."), code="invalid")
