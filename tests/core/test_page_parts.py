"""Places on a lower app's page that higher apps fill (core/page_parts.py)."""

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from core import page_parts


@pytest.fixture
def places(monkeypatch):
    """An empty registry for the test; the apps' own registrations come back after."""
    monkeypatch.setattr(page_parts, "_renderers", {})


def _render(source: str, **context) -> str:
    return Template("{% load parts %}" + source).render(Context(context))


def test_a_place_nobody_fills_stays_empty(places):
    assert _render('[{% part "nothing_here" obj %}]', obj=1) == "[]"


def test_several_renderers_draw_in_their_order_then_as_registered(places):
    def renderer(text):
        return lambda context, obj: SafeString(f"{text}{obj}")

    late, early, also_early = renderer("c"), renderer("a"), renderer("b")
    page_parts.register("row", late, order=20)
    page_parts.register("row", early, order=10)
    page_parts.register("row", also_early, order=10)
    page_parts.register("row", early, order=10)  # again: no second copy
    assert _render('{% part "row" 1 %}') == "a1b1c1"


def test_a_place_without_an_object(places):
    page_parts.register("banner", lambda context, obj: SafeString(f"<b>{obj}</b>"))
    assert _render('{% part "banner" %}') == "<b>None</b>"


def test_a_link_follows_its_condition(places):
    page_parts.register(
        "links",
        page_parts.link(
            "Q&A <settings>",
            "qa:expert_settings",
            testid="t",
            css="button",
            when=lambda obj: obj == "show",
        ),
    )
    assert _render('{% part "links" "hide" %}') == ""
    assert _render('{% part "links" "show" %}') == (
        ' · <a class="button" href="/studio/questions/settings/" data-testid="t">Q&A <settings></a>'
    )


def test_an_inclusion_renderer_draws_only_its_values(places):
    """As an inclusion tag: the page's own variables do not reach the template."""
    page_parts.register(
        "picture",
        page_parts.inclusion(
            "core/picture.html", lambda context, obj: {"url": obj, "rendition": "card"}
        ),
    )
    html = _render('{% part "picture" "x.png" %}', css="from-the-page")
    assert 'class="picture picture-card "' in html and 'src="x.png"' in html
    assert "from-the-page" not in html


def test_an_include_renderer_draws_the_page_and_its_extras(places):
    """As `{% include … with … %}`: the page's variables and the extras on top."""
    page_parts.register("picture", page_parts.include("core/picture.html", rendition="thumb"))
    html = _render('{% part "picture" %}', url="y.png", css="from-the-page", rendition="x")
    assert 'class="picture picture-thumb from-the-page"' in html and 'src="y.png"' in html
