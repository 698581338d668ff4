"""The screening hook: apps below moderation screen user-written text through here.

`accounts` (layer 1) must screen a display name and a bio before it saves them, but
may not import `moderation` (layer 2). Moderation installs its screen at start-up
(`ModerationConfig.ready`); callers ask this module.
"""

from collections.abc import Callable

FieldsScreen = Callable[[dict[str, str]], None]

_fields_screen: FieldsScreen | None = None


def install(*, fields_screen: FieldsScreen) -> None:
    global _fields_screen
    _fields_screen = fields_screen


def fields_screen(fields: dict[str, str]) -> None:
    """Raise ValidationError, field by field, for text that may not be published.

    Refuses to pass text unscreened: if no screen is installed the app registry is
    broken, and publishing anyway would be worse than an error.
    """
    if _fields_screen is None:
        raise RuntimeError("No screen installed: is 'moderation' in INSTALLED_APPS?")
    _fields_screen(fields)
