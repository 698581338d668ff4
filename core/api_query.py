"""Query parameters checked like a body: one serializer says what an endpoint takes,
documents it (`extend_schema(parameters=[TheSerializer])`) and refuses anything else
with a 400 naming the field, so a typo in a value never passes silently."""

import re
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request


def query_params(request: Request, serializer_class: type[serializers.Serializer]) -> Any:
    """The request's query parameters, checked by `serializer_class` (400 if invalid).

    Only the serializer's fields are read; other parameters (`page`, `format`) belong
    to pagination and content negotiation."""
    names: list[str] = list(serializer_class().fields.keys())
    data = {name: request.query_params[name] for name in names if name in request.query_params}
    checked = serializer_class(data=data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data


class QueryIntegerField(serializers.IntegerField):
    """A whole number written in ASCII digits between min_value and max_value: what a
    query string can hold ("1.0", "+1" or "١" are typos here, not numbers)."""

    def __init__(self, *, min_value: int, max_value: int, **kwargs: Any) -> None:
        message = lazy(
            lambda: (
                _("Give a whole number from %(low)s to %(high)s.")
                % {"low": min_value, "high": max_value}
            ),
            str,
        )()  # in the language of the request that fails, not of start-up
        # Before DRF builds its range validators, which take their messages from here.
        kwargs["error_messages"] = dict.fromkeys(
            ("invalid", "min_value", "max_value", "max_string_length"), message
        )
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if not (isinstance(data, str) and re.fullmatch(r"[0-9]{1,19}", data)):
            self.fail("invalid")
        return super().to_internal_value(data)
