"""The OpenAPI schema says what the API really does (Schemathesis holds it to that:
tests/test_api_contract.py).

On top of drf-spectacular's own reading of each view:
- an endpoint open to everyone (no permission classes, AllowAny, or a read under
  IsAuthenticatedOrReadOnly) is declared callable without credentials;
- the error answers every endpoint can give are declared with their shape (README
  "API"): 400 `{"field": ["message"]}` (bad input: a body or query field, or a control
  character anywhere), 401 with a Bearer challenge (a bad token), 403 `{"detail"}`
  (a refusal), 404 `{"detail"}` (nothing there, or someone else's), 429 where a
  view limits the rate; on writes, 409 and 422 in the 400's shape for a rule's
  refusal of a well-formed request (core.refusals);
- every string a client sends is declared without control characters (newline,
  return and tab aside), which the API refuses in any field (core/api_parsers.py,
  core/middleware.py).
"""

from typing import Any

from drf_spectacular import openapi
from rest_framework import permissions

# Unicode category Cc less tab, newline and return (core.validators).
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Each field named with what is wrong with it "
    "(`non_field_errors` for the request as a whole); or `detail` for a body that "
    "could not be read.",
    "additionalProperties": {},
}
ERRORS = {
    "400": ("Bad input: nothing was changed.", VALIDATION_ERROR_SCHEMA),
    "401": ("The API token is unknown, malformed or revoked.", ERROR_SCHEMA),
    "403": ("Refused: sign in, a write token, or a permission is needed.", ERROR_SCHEMA),
    "404": ("Not found (or not yours).", ERROR_SCHEMA),
    "429": ("Too many requests: wait and try again.", ERROR_SCHEMA),
    "409": (
        "Well formed, but it clashes with the current state (not enough money, a name "
        "or code taken, already bought or done): nothing was changed; the same request "
        "may succeed once that changes.",
        VALIDATION_ERROR_SCHEMA,
    ),
    "422": (
        "Well formed, but a rule refuses it whatever the state (tipping yourself, "
        "buying what is not for sale): nothing was changed.",
        VALIDATION_ERROR_SCHEMA,
    ),
}


def _is_public(view: Any, method: str) -> bool:
    checks = view.get_permissions()
    kinds = {type(check) for check in checks}
    return (
        not checks
        or permissions.AllowAny in kinds
        or (permissions.IsAuthenticatedOrReadOnly in kinds and method in permissions.SAFE_METHODS)
    )


def _strings_without_control_characters(schema: Any) -> None:
    """Add the pattern to every plain string of a request schema (in place)."""
    if isinstance(schema, list):
        for item in schema:
            _strings_without_control_characters(item)
        return
    if not isinstance(schema, dict):
        return
    if (
        schema.get("type") == "string"
        and not {"enum", "format", "pattern"} & schema.keys()
        and not schema.get("readOnly")
    ):
        schema["pattern"] = NO_CONTROL_CHARACTERS
    for value in schema.values():
        _strings_without_control_characters(value)


class AutoSchema(openapi.AutoSchema):
    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        if {} not in auths and _is_public(self.view, self.method):
            auths.append({})
        return auths

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query":
                _strings_without_control_characters(parameter.get("schema"))
        responses = operation["responses"]
        codes = ["400", "401", "403", "404"]
        if getattr(self.view, "throttle_classes", None) or "429" in (self.view.__doc__ or ""):
            codes.append("429")
        if self.method not in permissions.SAFE_METHODS:
            codes += ["409", "422"]
        for code in codes:
            if code not in responses:
                description, schema = ERRORS[code]
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": schema}},
                }
        if "401" in responses:
            responses["401"]["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
            }
        return operation


def request_strings_without_control_characters(
    result: dict[str, Any], generator: Any, request: Any, public: Any
) -> dict[str, Any]:
    """Postprocessing hook: the request bodies' components (`...Request`, split by
    COMPONENT_SPLIT_REQUEST) declare their strings free of control characters."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _strings_without_control_characters(schema)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                _strings_without_control_characters(operation["requestBody"])
    return result
