"""Request parsers of the API: DRF's, plus one rule for every field of every body.

A string anywhere in a JSON, form or multipart body (a key or a value, at any
depth) that holds a control character other than newline, carriage return and tab
is refused with a 400 naming the field, before any view or serializer sees it.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import parsers, serializers

from core.validators import CONTROL_CHARACTERS_MESSAGE, control_character_find


def _bad_field(data: Any, path: str = "") -> str | None:
    if isinstance(data, str):
        return path or "non_field_errors" if control_character_find(data) else None
    if isinstance(data, Mapping):
        # A form's QueryDict: every value of a repeated key is checked, under its name.
        items = data.lists() if hasattr(data, "lists") else [(k, [v]) for k, v in data.items()]
        for key, values in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and control_character_find(key):
                return name
            for value in values:
                bad = _bad_field(value, name)
                if bad:
                    return bad
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            bad = _bad_field(value, f"{path}[{index}]" if path else str(index))
            if bad:
                return bad
    return None


def refuse_control_characters(data: Any) -> Any:
    bad = _bad_field(data)
    if bad is not None:
        raise serializers.ValidationError({bad: [CONTROL_CHARACTERS_MESSAGE]})
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_control_characters(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_control_characters(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        refuse_control_characters(parsed.data)
        return parsed
