"""Parts of a page that a higher app fills in on a lower app's page.

A lower app's template leaves a named place open, `{% load parts %}{% part "share_links"
course %}`, and never names the app that fills it; a higher app registers what goes there
from its `AppConfig.ready()` (`page_parts.register("share_links", renderer)`). With nothing
registered the place stays empty, so the layers below work without the ones above.
"""

from collections.abc import Callable
from typing import Any

from django.template import Context
from django.utils.safestring import SafeString

PartRenderer = Callable[[Context, Any], SafeString]

_renderers: dict[str, PartRenderer] = {}


def register(name: str, renderer: PartRenderer) -> None:
    """Fill the place called `name`; one app owns each place."""
    owner = _renderers.get(name)
    if owner is not None and owner is not renderer:
        raise ValueError(f"The page part {name!r} is already filled by {owner!r}.")
    _renderers[name] = renderer


def render(name: str, context: Context, obj: Any) -> SafeString:
    renderer = _renderers.get(name)
    return renderer(context, obj) if renderer is not None else SafeString("")
