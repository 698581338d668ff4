"""One error shape for the whole API.

Services raise Django's ValidationError and PermissionDenied; DRF only knows its own.
This handler turns a ValidationError into a 400 with the same field -> messages
shape that serializers give, so a client reads every validation failure the same
way (with 409 or 422 for a rule's refusal of a well-formed request:
core.refusals; 422 too when all that is wrong is that a field names something that
is not there), and a PermissionDenied into a 403 that keeps the service's reason (DRF's own
handler would swap it for a generic sentence). An authentication failure that names
its own challenge (`www_authenticate`, a bad Bearer token) is a 401 carrying it.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Model field names that the API calls the same; listed for when they differ.
API_FIELD_FOR: dict[str, str] = {}


class RuleRefusal(exceptions.ValidationError):
    """A core.refusals refusal: the validation error's shape, its own status."""

    def __init__(self, detail: Any, status_code: int) -> None:
        super().__init__(detail)
        self.status_code = status_code


def _leaf_codes(codes: Any) -> list[str]:
    if isinstance(codes, dict):
        return [code for value in codes.values() for code in _leaf_codes(value)]
    if isinstance(codes, list):
        return [code for value in codes for code in _leaf_codes(value)]
    return [codes]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
        status_code = getattr(exc, "status_code", None)
        exc = (
            RuleRefusal(detail, status_code) if status_code else exceptions.ValidationError(detail)
        )
    elif isinstance(exc, DjangoPermissionDenied) and str(exc):
        exc = exceptions.PermissionDenied(str(exc))
    elif type(exc) is exceptions.ValidationError and set(_leaf_codes(exc.get_codes())) == {
        "does_not_exist"
    }:
        # Well formed, but what it names is not there (a slug or id a related field
        # looked up): a refusal, not a mistake in the shape of the request.
        exc = RuleRefusal(exc.detail, 422)
    response = drf_exception_handler(exc, context)
    challenge = getattr(exc, "www_authenticate", None)
    if response is not None and challenge and isinstance(exc, exceptions.AuthenticationFailed):
        response.status_code = 401
        response["WWW-Authenticate"] = challenge
    return response
