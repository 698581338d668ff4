"""The API's serializer bases: DRF's, refusing the fields a body does not declare.

A client that sends `ammount` instead of `amount`, or a field it may only read, is
told so with a 400 naming the field (as Stripe's API answers "Received unknown
parameter"), instead of the field being ignored and the request half-done. The
schema says the same (`additionalProperties: false` on every request body,
core/api_schema.py). Every API serializer derives from these two.
"""

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

UNKNOWN_FIELD_MESSAGE = _("This request takes no such field.")
# A form-encoded body names a list's items and a dict's keys after their field
# (`topics[0]`, `topics.a`, `links[site]`), as DRF's list and dict fields read them.
_FORM_SUBKEY = re.compile(r"[\[.]")


class _KnownFieldsOnly:
    """Refuse, at every depth, the keys of a body that name no writable field."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {
                name
                for name, field in self.fields.items()
                if not field.read_only and not isinstance(field, serializers.HiddenField)
            }
            form = html.is_html_input(data)
            unknown = [
                str(key)
                for key in data
                if (_FORM_SUBKEY.split(str(key), maxsplit=1)[0] if form else key) not in writable
            ]
            if unknown:
                raise serializers.ValidationError(
                    {name: [UNKNOWN_FIELD_MESSAGE] for name in unknown}
                )
        return super().to_internal_value(data)  # type: ignore[misc] # the DRF base's


class Serializer(_KnownFieldsOnly, serializers.Serializer):
    pass


class ModelSerializer(_KnownFieldsOnly, serializers.ModelSerializer):
    pass
