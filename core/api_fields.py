"""Serializer fields several apps' APIs share."""

from collections.abc import Callable
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.validators import PLAIN_INTEGER


class MinorUnitsField(serializers.IntegerField):
    """An amount in minor units (990 is 9.90): a JSON integer or a string of digits.

    DRF's IntegerField also takes 100.0, "100.00" and true; an amount is exact or it
    is refused, so a client that sends a float or an exponent learns of its mistake.
    """

    default_error_messages = {
        "invalid": _("Amounts are whole numbers of minor units (990 is 9.90)."),
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and PLAIN_INTEGER.match(data))
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


def amount_field(
    *, minimum: Callable[[], int], maximum: Callable[[], int], **kwargs: Any
) -> MinorUnitsField:
    """An amount within the limits the service applies, stated in the schema
    (minimum, maximum). The limits are read when a request comes, so that they follow
    the settings (tests and deployments change them)."""
    return MinorUnitsField(
        validators=[
            MinValueValidator(minimum, _("The smallest amount is %(limit_value)s minor units.")),
            MaxValueValidator(maximum, _("The largest amount is %(limit_value)s minor units.")),
        ],
        **kwargs,
    )
