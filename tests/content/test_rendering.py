"""Markdown rendering, the preview boundary, and the stored-XSS suite over every field
a viewer sees (page, meta/OpenGraph tags, API JSON, studio, course and channel pages)."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from content import rendering, services
from content.models import Access, Asset
from content.services import section_create
from tests.content.conftest import pdf_upload, png_upload
from tests.content.helpers import give_ticket

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[x](javascript:alert(1))",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "[x](jav&#x09;ascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '![x" onerror="alert(1)](https://e.com/a.png)',
    '![x](https://e.com/a.png" onerror="alert(1))',
    '[x](https://e.com "title\\" onmouseover=alert(1) x=\\"")',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript&colon;alert(1)">x</a>',
    "<object data=javascript:alert(1)></object>",
    '"><script>alert(1)</script>',
    "</title><script>alert(1)</script>",
    '[[replay:1"><script>alert(1)</script>]]',
]

BAD_TAGS = {"script", "iframe", "style", "object", "embed", "svg", "math", "frame", "base"}


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BAD_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "formaction", "data"} and value:
                v = "".join(value.split()).lower()
                if v.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag}[{name}={value}]")
            if name == "style" and value and "url(" in value:
                self.problems.append(f"{tag}[style]")


def executable_markup(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    return finder.problems


# The lesson page's own script (reading position), the one script a reader gets.
_READING_SCRIPT = re.compile(
    r'<script src="[^"]*/js/reading-position[^"]*\.js"[^<>]*data-testid="reading-position"'
    r"[^<>]*></script>"
)


# The head's one inline script, the site's own (it folds the phone menu before paint).
_HEAD_SCRIPT = re.compile(
    r'<script nonce="[^"]*">document\.documentElement\.classList\.add\("js"\)</script>'
)


def _ours(html: str) -> str:
    """The page's head and main content: where user text is shown. (The site header's
    language switcher has its own onchange handler, which is not user content.)"""
    head = _HEAD_SCRIPT.sub("", html.split("</head>")[0], count=1)
    main = html.split('<main id="main"', 1)[-1].split("</main>")[0]
    return head + _READING_SCRIPT.sub("", main, count=1)


def test_finder_is_not_blind():
    assert executable_markup("<img src=x onerror=alert(1)>")
    assert executable_markup('<a href="javascript:alert(1)">x</a>')
    assert executable_markup("<script>alert(1)</script>")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_payload_is_neutralised(payload):
    html = rendering.markdown_to_html(f"Before\n\n{payload}\n\nafter {payload}")
    assert executable_markup(html) == []


def test_links_get_rel_and_code_blocks_survive():
    html = rendering.markdown_to_html("[site](https://example.com)\n\n```python\nx = 1 < 2\n```")
    assert 'rel="noopener nofollow ugc"' in html
    assert '<code class="language-python">x = 1 &lt; 2' in html


def test_preview_ends_at_the_more_marker():
    preview, rest = rendering.split_source("one\n\n<!-- more -->\n\ntwo")
    assert "one" in preview and "two" not in preview
    assert "two" in rest


def test_marker_is_found_in_text_from_a_browser_textarea():
    preview, rest = rendering.split_source("one\r\n\r\n<!-- more -->\r\n\r\ntwo\r\n")
    assert "more" not in preview and "two" not in preview and "two" in rest


def test_preview_is_the_first_blocks_without_a_marker(settings):
    settings.CONTENT_PREVIEW_BLOCKS = 2
    body = "para 1\n\n```\ncode\nstill code\n```\n\npara 3 paid\n\n- list paid\n"
    preview, rest = rendering.split_source(body)
    assert "code" in preview and "still code" in preview
    assert "para 3" not in preview and "para 3" in rest


@pytest.mark.django_db
def test_every_rendered_field_is_safe(client, alice, course, alice_channel, tier, bob, monkeypatch):
    from moderation.screening import PUBLISH, Verdict
    from moderation.services import screening as moderation_services

    # Moderation would (rightly) refuse this repetitive, link-heavy text; the point
    # here is what rendering does with it.
    monkeypatch.setattr(moderation_services, "text_screen", lambda text, **kw: Verdict(PUBLISH))
    payload = " ".join(XSS_PAYLOADS)
    section = section_create(user=alice.user, course=course, title="<script>alert(1)</script>S")
    lesson = services.lesson_create(
        user=alice.user,
        course=course,
        section=section,
        title="<img src=x onerror=alert(1)>Lesson",
        summary='"><script>alert(1)</script>',
        body=f"{payload}\n\n<!-- more -->\n\n{payload}",
        access=Access.PREVIEW,
    )
    services.item_publish(user=alice.user, item=lesson)
    article = services.article_create(
        user=alice.user,
        channel=alice_channel,
        title="<svg onload=alert(1)>Article",
        summary="<a href=javascript:alert(1)>summary</a>",
        body=payload,
        access=Access.FREE,
    )
    services.item_publish(user=alice.user, item=article)
    upload = png_upload(name="<img src=x onerror=alert(1)>.png")
    services.asset_upload(user=alice.user, item=lesson, upload=upload, kind=Asset.Kind.IMAGE)
    for item in (lesson, article):
        attachment = pdf_upload(name="<svg onload=alert(1)>notes.pdf")
        services.asset_upload(
            user=alice.user, item=item, upload=attachment, kind=Asset.Kind.ATTACHMENT
        )
    give_ticket(bob, course)  # a reader who gets the attachment list

    pages = [
        lesson.get_absolute_url(),
        article.get_absolute_url(),
        course.get_absolute_url(),
        alice_channel.get_absolute_url(),
        reverse("sitemap"),
    ]
    for viewer in (None, bob, alice.user):
        client.logout()
        if viewer:
            client.force_login(viewer)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert executable_markup(_ours(response.content.decode())) == [], url
    client.force_login(bob)
    lesson_page = client.get(lesson.get_absolute_url()).content.decode()
    assert 'data-testid="attachment"' in lesson_page and "notes.pdf" in lesson_page
    client.force_login(alice.user)
    for url in (
        reverse("content:item_edit", args=["lesson", lesson.pk]),
        reverse("content:revisions", args=["lesson", lesson.pk]),
        reverse("content:learner_view", args=["lesson", lesson.pk]),
        reverse("content:studio_list"),
    ):
        html = _ours(client.get(url).content.decode())
        # The studio's own preview script is the one script on the edit page.
        html = html.split('<script nonce="')[0]
        assert executable_markup(html) == [], url
    preview = client.post(reverse("content:preview"), {"body": payload})
    assert executable_markup(preview.content.decode()) == []

    for url in (
        reverse("api_content_lesson", args=[lesson.pk]),
        reverse("api_content_article", args=[article.pk]),
    ):
        response = client.get(url)
        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert executable_markup(data["body"]["html"]) == []
        assert (
            "<" not in data["body"]["description"]
            or executable_markup(data["body"]["description"]) == []
        )


def test_replay_shortcodes_in_code_and_attributes_stay_as_written():
    html = rendering.markdown_to_html(
        "Watch [[replay:7]].\n\n"
        "Write `[[replay:7]]` in a lesson, like this:\n\n"
        "```\n[[replay:7]]\n```\n\n"
        '[the recording](https://example.com/ "[[replay:7]]")'
    )
    expanded = rendering.expand_replays(html, resolve=lambda pk: ("Q&A", f"/replay/{pk}/"))
    assert expanded.count('<a class="replay-link"') == 1
    assert "<code>[[replay:7]]</code>" in expanded
    assert expanded.count("[[replay:7]]") == 3  # inline code, code block, link title
    assert executable_markup(expanded) == []


@pytest.mark.django_db
def test_replay_shortcode_is_a_link_only_for_viewers_who_may_watch(client, alice, course, bob):
    from livestream.models import LiveSession
    from tests.factories import LiveSessionFactory

    session = LiveSessionFactory(
        channel=course.channel,
        title="Recorded Q&A",
        access=LiveSession.Access.TICKET,
        replay_status=LiveSession.Replay.READY,
    )
    lesson = services.lesson_create(
        user=alice.user, course=course, title="Watch", body=f"See [[replay:{session.pk}]] now."
    )
    services.item_publish(user=alice.user, item=lesson)

    client.force_login(bob)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Recorded Q&amp;A" not in html and "replay-locked" in html

    client.force_login(alice.user)  # the host may watch her own replay
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert f'href="{session.get_absolute_url()}"' in html and "Recorded Q&amp;A" in html
