"""Parts of a page that a higher app fills in on a lower app's page.

A lower app's template leaves a named place open, `{% load parts %}{% part "share_links"
course %}`, and never names the app that fills it; a higher app registers what goes there
from its `AppConfig.ready()` (`page_parts.register("share_links", renderer)`). With nothing
registered the place stays empty, so the layers below work without the ones above.

A place may take renderers from several apps (the studio's row of links: one or two from
each app that has a studio page); they render one after the other by `order`, then in
the order they were registered.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.template import Context, Engine
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # a lazy translation (stubs only)

PartRenderer = Callable[[Context, Any], SafeString]

_renderers: dict[str, list[tuple[int, PartRenderer]]] = {}


def register(name: str, renderer: PartRenderer, *, order: int = 0) -> None:
    """Add `renderer` to the place called `name`; registering it again changes nothing."""
    filled = _renderers.setdefault(name, [])
    if any(known is renderer for _order, known in filled):
        return
    filled.append((order, renderer))
    filled.sort(key=lambda entry: entry[0])  # stable: equal orders keep their sequence


def render(name: str, context: Context, obj: Any) -> SafeString:
    filled = _renderers.get(name, [])
    return SafeString("".join(renderer(context, obj) for _order, renderer in filled))


def _engine(context: Context) -> Engine:
    template = getattr(context, "template", None)
    return template.engine if template is not None else Engine.get_default()


def inclusion(template_name: str, values: Callable[[Context, Any], dict]) -> PartRenderer:
    """A renderer that draws `template_name` the way an inclusion tag does: in a context
    of its own holding only `values(context, obj)` and the page's CSRF token."""

    def renderer(context: Context, obj: Any) -> SafeString:
        own = context.new(values(context, obj))
        csrf_token = context.get("csrf_token")
        if csrf_token is not None:
            own["csrf_token"] = csrf_token
        return SafeString(_engine(context).get_template(template_name).render(own))

    return renderer


def include(template_name: str, **extra: Any) -> PartRenderer:
    """A renderer that draws `template_name` the way `{% include … with … %}` does: with
    the page's whole context and `extra` on top."""

    def renderer(context: Context, obj: Any) -> SafeString:
        with context.push(**extra):
            return SafeString(_engine(context).get_template(template_name).render(context))

    return renderer


def link(
    text: "str | _StrPromise",
    url_name: str,
    *,
    args: Callable[[Any], list[Any]] | None = None,
    testid: str = "",
    css: str = "",
    before: str = " · ",
    when: Callable[[Any], bool] | None = None,
) -> PartRenderer:
    """A renderer that draws one link after `before` (a row's separator): `text` (a
    lazy translation) to `url_name`, reversed with `args(obj)`; nothing unless `when(obj)`.
    `text` is the code's own, drawn as is, as `{% translate "…" %}` draws a literal."""

    def renderer(context: Context, obj: Any) -> SafeString:
        if when is not None and not when(obj):
            return SafeString("")
        return format_html(
            '{}<a{} href="{}"{}>{}</a>',
            before,
            format_html(' class="{}"', css) if css else "",
            reverse(url_name, args=args(obj) if args is not None else None),
            format_html(' data-testid="{}"', testid) if testid else "",
            mark_safe(text),  # noqa: S308 - the code's own text, not input
        )

    return renderer
