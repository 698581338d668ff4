import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.selectors import snippet

register = template.Library()


@register.filter
def highlight(text: str, terms: list[str]) -> SafeString:
    """`{{ hit.title|highlight:terms }}`: the text, escaped, with each term found in it
    marked (<mark>), whatever its case. Cut on the raw text, then each piece escaped,
    so a term never matches inside an entity such as &amp;."""
    wanted = sorted({t for t in terms or [] if t}, key=len, reverse=True)
    if not wanted:
        return escape(text or "")
    # Terms side by side ("机器" "学习") make one mark, not two.
    pattern = re.compile("((?:" + "|".join(re.escape(t) for t in wanted) + ")+)", re.IGNORECASE)
    pieces = pattern.split(text or "")
    # split() with one group alternates text, match, text, ...: odd places are matches.
    out = [f"<mark>{escape(p)}</mark>" if i % 2 else str(escape(p)) for i, p in enumerate(pieces)]
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


@register.filter
def cut_around(text: str, terms: list[str]) -> str:
    """`{{ hit.text|cut_around:terms|highlight:terms }}`: a snippet around the first term."""
    return snippet(text, terms)
