"""Sharing: Open Graph and Twitter-card tags, share posters with a QR code, a channel's
schedule as iCal and its public content as RSS."""

import io
import xml.etree.ElementTree as ET
from datetime import UTC, timedelta

import segno
from django.conf import settings
from django.utils import timezone
from PIL import Image

from community import services
from community.ical import CalendarEvent, calendar
from community.models import FeedItem
from core.posters import HEIGHT, MARGIN, WIDTH, font_available
from marketplace.models import PublicationStatus
from tests.factories import ChannelFactory, CourseFactory, LiveSessionFactory


def _meta(html: str, prop: str) -> str:
    marker = (
        f'property="{prop}" content="' if prop.startswith("og:") else f'name="{prop}" content="'
    )
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_session_course_and_channel_pages_carry_open_graph_and_twitter_tags(client, alice_channel):
    session = LiveSessionFactory(channel=alice_channel, title="Async <Python>")
    course = CourseFactory(channel=alice_channel, title="Typing", summary="All about types")
    html = client.get(session.get_absolute_url()).content.decode()
    assert _meta(html, "og:title") == "Async &lt;Python&gt;"
    assert _meta(html, "og:url").endswith(f"/live/{session.pk}/")
    assert _meta(html, "og:image").endswith(f"/live/{session.pk}/poster.png")
    assert _meta(html, "twitter:card") == "summary_large_image"

    html = client.get(course.get_absolute_url()).content.decode()
    assert _meta(html, "og:description") == "All about types"
    assert _meta(html, "og:image").endswith(f"/courses/{course.slug}/poster.png")

    html = client.get(alice_channel.get_absolute_url()).content.decode()
    assert _meta(html, "og:type") == "profile"
    assert _meta(html, "twitter:card") == "summary"
    assert 'data-testid="share-ical"' in html and 'data-testid="share-rss"' in html


def _qr_modules_in(picture: Image.Image, url: str) -> tuple[list[bool], list[bool]]:
    """The dark/light modules read off the poster's QR square, and the QR code of `url`."""
    rows = [[bool(cell) for cell in row] for row in segno.make(url, error="m").matrix]
    size = len(rows) + 2  # one module of quiet zone on each side
    cell = picture.width / size
    seen = []
    for y in range(len(rows)):
        for x in range(len(rows)):
            r, g, b = picture.getpixel((int((x + 1.5) * cell), int((y + 1.5) * cell)))
            seen.append(r + g + b < 384)
    return seen, [dark for row in rows for dark in row]


def test_the_session_poster_is_a_png_whose_qr_code_opens_the_page(client, alice_channel):
    session = LiveSessionFactory(channel=alice_channel, title="异步编程直播 Async Python")
    response = client.get(f"/live/{session.pk}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    poster = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert poster.size == (WIDTH, HEIGHT)
    box = (WIDTH - MARGIN - 300, HEIGHT - MARGIN - 300, WIDTH - MARGIN, HEIGHT - MARGIN)
    seen, expected = _qr_modules_in(
        poster.crop(box), settings.SITE_URL.rstrip("/") + f"/live/{session.pk}/"
    )
    assert seen == expected
    assert font_available()  # Chinese titles need the CJK font scripts/install.sh installs


def test_the_poster_writes_the_time_in_the_viewers_zone(client, alice_channel):
    session = LiveSessionFactory(
        channel=alice_channel, scheduled_start=timezone.now() + timedelta(days=2)
    )
    url = f"/live/{session.pk}/poster.png"
    utc = client.get(url).content
    shanghai = client.get(url, {"tz": "Asia/Shanghai"}).content
    assert shanghai != utc
    assert client.get(url, {"tz": "Not/AZone"}).content == utc  # unknown: UTC, said so


def test_posters_of_what_one_may_not_see_are_not_found(client, alice, alice_channel):
    draft = CourseFactory(channel=alice_channel, status=PublicationStatus.DRAFT)
    assert client.get(f"/courses/{draft.slug}/poster.png").status_code == 404
    hidden = ChannelFactory(creator=alice, status=PublicationStatus.DRAFT)
    session = LiveSessionFactory(channel=hidden)
    assert client.get(f"/live/{session.pk}/poster.png").status_code == 404
    assert client.get(f"/c/{hidden.slug}/schedule.ics").status_code == 404
    assert client.get(f"/c/{hidden.slug}/feed.rss").status_code == 404


def test_the_channel_schedule_is_an_icalendar_of_its_upcoming_sessions(client, alice_channel):
    soon = LiveSessionFactory(
        channel=alice_channel,
        title="Q&A; tips, tricks",
        scheduled_start=timezone.now() + timedelta(days=1),
        duration_minutes=90,
    )
    LiveSessionFactory(channel=alice_channel, status="cancelled")
    response = client.get(f"/c/{alice_channel.slug}/schedule.ics")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 1
    assert f"UID:session-{soon.pk}@zhiliao" in body
    assert "SUMMARY:Q&A\\; tips\\, tricks" in body
    start = soon.scheduled_start.astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in body
    assert f"DTEND:{start + timedelta(minutes=90):%Y%m%dT%H%M%SZ}" in body


def test_long_ical_lines_fold_without_splitting_a_character():
    event = CalendarEvent(
        uid="x",
        start=timezone.now(),
        minutes=60,
        summary="知了" * 40,
        description="",
        url="https://example.com/",
    )
    body = calendar(name="c", events=[event])
    for line in body.split("\r\n"):
        assert len(line.encode()) <= 75
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:" + "知了" * 40 + "\r\n" in unfolded


def test_the_channel_rss_lists_its_public_content(client, alice_channel):
    course = CourseFactory(channel=alice_channel, title="Typing in Python")
    services.feed_item_record(kind=FeedItem.Kind.COURSE, object_id=course.pk)
    response = client.get(f"/c/{alice_channel.slug}/feed.rss")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.iter("item")]
    assert titles == ["Course: Typing in Python"]
    assert root.find("channel/title").text == alice_channel.title
