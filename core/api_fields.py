"""Serializer fields several apps' APIs share."""

from typing import Any

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
