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
  core/middleware.py);
- a text field that may not be blank (DRF trims it first, then refuses "") is declared
  with at least one character that is neither white space nor a control character
  (with a min_length, that many once trimmed), so a body of spaces is not promised
  to pass;
- the fields a body does not declare, which the API ignores, are declared free of
  control characters in their names and values as well (the parsers refuse them).
"""

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular import openapi
from rest_framework import permissions, serializers

# Unicode category Cc less tab, newline and return (core.validators).
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"

# One character that str.strip() keeps and that is not a control character: what a
# trimmed, non-blank text must hold (the white space of Unicode category Zs, Zl, Zp
# spelled out, since ECMA's and Python's \s differ).
_TEXT_CHARACTER = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]"
_ONE_LINE_CHARACTER = "[^\\u0000-\\u001f\\u007f-\\u009f]"
_VISIBLE_CHARACTER = (
    "[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
)
NOT_BLANK = f"^{_TEXT_CHARACTER}*{_VISIBLE_CHARACTER}{_TEXT_CHARACTER}*$"


def trimmed_at_least(length: int, *, also_refused: str = "") -> str:
    """A pattern for a text that holds at least `length` characters once trimmed:
    a visible character, then `length - 2` or more of any, then a visible one.
    `also_refused`: more characters (a character class's inside) the text may not hold."""
    t = _TEXT_CHARACTER.replace("]", also_refused + "]")
    v = _VISIBLE_CHARACTER.replace("]", also_refused + "]")
    if length <= 1:
        return f"^{t}*{v}{t}*$"
    return f"^{t}*{v}{t}{{{length - 2},}}{v}{t}*$"


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


def _one_line(schema: Any) -> None:
    """A query parameter is one line: no newline, return or tab either
    (core/middleware.py). Narrows the patterns of a query parameter's schema in place."""
    if isinstance(schema, dict):
        if isinstance(schema.get("pattern"), str):
            schema["pattern"] = schema["pattern"].replace(_TEXT_CHARACTER, _ONE_LINE_CHARACTER)
        for value in schema.values():
            _one_line(value)
    elif isinstance(schema, list):
        for item in schema:
            _one_line(item)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and field.trim_whitespace
            and not field.read_only
            and schema.get("type") == "string"
            and not {"enum", "format", "pattern"} & schema.keys()
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            schema["pattern"] = trimmed_at_least(field.min_length or 1)
        return schema

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
                _one_line(parameter.get("schema"))
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


def _no_undeclared_fields(schema: Any) -> None:
    """Declare, on every request object (in place), that it takes no other field:
    the API refuses one with a 400 naming it (core/api_serializers.py)."""
    if isinstance(schema, list):
        for item in schema:
            _no_undeclared_fields(item)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
    for value in schema.values():
        _no_undeclared_fields(value)


def request_strings_without_control_characters(
    result: dict[str, Any], generator: Any, request: Any, public: Any
) -> dict[str, Any]:
    """Postprocessing hook: the request bodies' components (`...Request`, split by
    COMPONENT_SPLIT_REQUEST) declare their strings free of control characters, and
    that they take no field they do not declare."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _strings_without_control_characters(schema)
            _no_undeclared_fields(schema)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                _strings_without_control_characters(operation["requestBody"])
                _no_undeclared_fields(operation["requestBody"])
    return result
