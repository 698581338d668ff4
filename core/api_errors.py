"""One error shape for the whole API.

Services raise Django's ValidationError; DRF only knows its own. This handler turns
the former into a 400 with the same field -> messages shape that serializers give,
so a client reads every validation failure the same way.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

# Model field names that the API calls the same; listed for when they differ.
API_FIELD_FOR: dict[str, str] = {}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                API_FIELD_FOR.get(field, field): [m for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
