"""Markdown to safe HTML: markdown-it-py (raw HTML disabled), then nh3's allow-list.

The body is split on the paywall marker in the *source*, so the preview and the rest
are rendered separately and the preview never carries half of a paid block. Rendered
HTML is cached per revision (the expensive part: parsing and sanitising); replay
shortcodes stay in the cached HTML as inert text and are replaced per viewer.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import nh3
from django.conf import settings
from django.core.cache import cache
from django.utils.html import escape, strip_tags
from markdown_it import MarkdownIt

PAYWALL_MARKER = re.compile(r"^[ \t]*(?:<!--\s*more\s*-->|---paywall---)[ \t]*$", re.MULTILINE)
REPLAY_SHORTCODE = re.compile(r"\[\[replay:(\d{1,12})\]\]")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
# Markdown tables align cells with style="text-align: ..."; nothing else is allowed.
_CELL_STYLE = re.compile(r"^text-align:\s*(left|right|center)$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return value if _CELL_STYLE.match(value) else None
    if tag == "code" and attr == "class":
        return value if re.fullmatch(r"language-[\w+-]{1,30}", value) else None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow ugc",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


def markdown_to_html(text: str) -> str:
    return sanitise(_md.render(text or ""))


def normalise_newlines(text: str) -> str:
    """Browsers send textareas with CRLF; the marker is found on "\n" lines only."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def split_source(body: str, *, preview_blocks: int | None = None) -> tuple[str, str]:
    """(preview, rest) of the Markdown source: up to the paywall marker, else the first
    `preview_blocks` top-level blocks."""
    body = normalise_newlines(body)
    marker = PAYWALL_MARKER.search(body)
    if marker:
        return body[: marker.start()], body[marker.end() :]
    n = settings.CONTENT_PREVIEW_BLOCKS if preview_blocks is None else preview_blocks
    block_ends = [t.map[1] for t in _md.parse(body) if t.level == 0 and t.nesting >= 0 and t.map]
    if len(block_ends) <= n:
        return body, ""
    lines = body.splitlines(keepends=True)
    cut = block_ends[n - 1] if n > 0 else 0
    return "".join(lines[:cut]), "".join(lines[cut:])


@dataclass(frozen=True)
class Rendered:
    preview_html: str
    rest_html: str

    @property
    def has_more(self) -> bool:
        return bool(self.rest_html.strip())


def render_body(body: str) -> Rendered:
    preview, rest = split_source(body)
    return Rendered(preview_html=markdown_to_html(preview), rest_html=markdown_to_html(rest))


def render_cached(*, kind: str, revision_id: int | None, body: str) -> Rendered:
    """The rendered body of one revision, from the cache when it is there."""
    if revision_id is None:
        return render_body(body)
    key = f"content:html:v1:{kind}:{revision_id}:{settings.CONTENT_PREVIEW_BLOCKS}"
    hit = cache.get(key)
    if hit is not None:
        return Rendered(*hit)
    rendered = render_body(body)
    cache.set(
        key, (rendered.preview_html, rendered.rest_html), settings.CONTENT_RENDER_CACHE_SECONDS
    )
    return rendered


def plain_text(html: str, limit: int = 160) -> str:
    """Text of HTML for meta descriptions and the API (the preview only): entities
    decoded, then anything tag-like removed, so it is inert wherever it lands."""
    text = strip_tags(unescape(strip_tags(html or "")))
    text = REPLAY_SHORTCODE.sub("", re.sub(r"\s+", " ", text)).strip()
    return text[: limit - 1] + "…" if len(text) > limit else text


def expand_replays(html: str, *, resolve: Callable[[int], tuple[str, str] | None]) -> str:
    """Replace [[replay:ID]] by what `resolve(id)` says: (title, url) if the viewer may
    watch that replay, else None (the shortcode becomes a plain note)."""

    def one(match: re.Match[str]) -> str:
        found = resolve(int(match.group(1)))
        if found is None:
            return '<span class="replay-locked">🔒</span>'
        title, url = found
        return f'<a class="replay-link" href="{escape(url)}">▶ {escape(title)}</a>'

    # Only in text: a shortcode inside a code sample or an attribute value is shown
    # as written (a lesson about shortcodes, a link title that quotes one).
    out: list[str] = []
    literal = 0
    for part in _TAG.split(html):
        if _TAG.fullmatch(part):
            name = _TAG_NAME.match(part)
            if name and name.group(2).lower() in ("code", "pre"):
                literal += -1 if name.group(1) else 1
                literal = max(literal, 0)
            out.append(part)
        elif literal:
            out.append(part)
        else:
            out.append(REPLAY_SHORTCODE.sub(one, part))
    return "".join(out)


# A tag, its quoted attribute values (which may hold ">") included.
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
