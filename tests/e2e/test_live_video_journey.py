"""Live video in a real browser: ffmpeg publishes to a real nginx-rtmp, which asks a
real uvicorn whether to accept it; a learner opens the room and the video plays
(its currentTime advances), every playlist and segment carrying the signed token
Django gave the player and nginx checked. Banned from the room, the learner's
player stops and says that access has ended once the token expires.
"""

import contextlib
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.test import Client
from playwright.sync_api import expect

from livestream import video
from livestream.management.commands.video_ingest import nginx_start as start_nginx
from livestream.management.commands.video_ingest import nginx_stop, write_config
from recommend.models import Event
from tests import asgi_servers
from tests.asgi_servers import free_port, uvicorn_server
from tests.factories import LiveSessionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

static_root = asgi_servers.static_root  # a fixture


@contextlib.contextmanager
def _publishing(
    request,
    tmp_path,
    static_root,
    session,
    key: str,
    env: dict[str, str],
    *,
    picture: str,
    sample_rate: int,
    audio: tuple[str, ...] = (),
) -> Iterator[tuple[str, object]]:
    """The site on uvicorn, nginx-rtmp asking it, and ffmpeg publishing a test
    picture (`picture` = "WxH:rate=N", a keyframe a second) to the session for 60 s.
    Yields the site's base URL and nginx's prefix folder."""
    rtmp_port, hls_port = free_port(), free_port()
    env = {"VIDEO_HLS_URL": f"http://127.0.0.1:{hls_port}/hls", **env}
    gop = picture.rsplit("=", 1)[1]
    with uvicorn_server(static_root, env_extra=env) as port:
        base = f"http://127.0.0.1:{port}"
        prefix = tmp_path / "nginx"
        start_nginx(
            write_config(prefix=prefix, rtmp_port=rtmp_port, http_port=hls_port, callback_base=base)
        )
        request.addfinalizer(lambda: nginx_stop(prefix))
        encoder = subprocess.Popen(
            ["/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
             "-f", "lavfi", "-i", f"testsrc=size={picture}",
             "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={sample_rate}",
             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", gop,
             "-pix_fmt", "yuv420p", "-c:a", "aac", *audio, "-t", "60", "-f", "flv",
             f"rtmp://127.0.0.1:{rtmp_port}/live/{session.pk}?key={key}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        request.addfinalizer(encoder.kill)
        yield base, prefix


def test_learner_watches_the_stream_play_in_the_room(
    chromium, static_root, alice, alice_channel, tmp_path, request, screenshot
):
    session = LiveSessionFactory(channel=alice_channel, title="Live with video")
    learner = UserFactory(email="viewer@example.com", display_name="Viewer")
    key = video.stream_key_rotate(creator=alice)
    # Short-lived tokens so revocation shows within the test (60 s in production).
    env = {"VIDEO_TOKEN_TTL_SECONDS": "6", "VIDEO_TOKEN_REFRESH_SECONDS": "3"}

    with _publishing(
        request, tmp_path, static_root, session, key, env,
        picture="320x180:rate=15", sample_rate=44100,
    ) as (base, _):  # fmt: skip
        client = Client()
        client.force_login(learner)
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(20_000)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
        )
        request.addfinalizer(context.close)
        page = context.new_page()
        opened = time.monotonic()
        page.goto(f"{base}/live/{session.pk}/")

        # The stream took the session live; the page plays it without a reload.
        expect(page.get_by_test_id("room-status")).to_have_text("Live")
        player = page.get_by_test_id("player")
        expect(player).to_be_visible()
        page.wait_for_function(
            "() => document.getElementById('room-player').currentTime > 1", timeout=30_000
        )
        first = page.evaluate("document.getElementById('room-player').currentTime")
        page.wait_for_timeout(2000)
        assert page.evaluate("document.getElementById('room-player').currentTime") > first + 1
        screenshot(page, "live-video-01-playing")

        # Banned from the room: the next refresh is refused, the token in hand expires,
        # and the player says so instead of spinning.
        from livestream import services

        services.user_ban(session=session, by=alice.user, user_id=learner.pk)
        expect(page.get_by_test_id("video-state")).to_have_text(
            "Your access to this video has ended.", timeout=20_000
        )
        expect(player).to_be_hidden()
        screenshot(page, "live-video-02-access-ended")

        # Leaving the page, the player reports the seconds really played
        # (static/js/watch-time.js: a beacon on pagehide), which the recommender records.
        page.goto(f"{base}/")
        upper_bound = time.monotonic() - opened
        deadline = time.monotonic() + 15
        while (watched := Event.objects.filter(user=learner, kind="watch").first()) is None:
            assert time.monotonic() < deadline, "the player reported no watch time"
            time.sleep(0.2)
        assert (watched.item_kind, watched.item_id) == ("session", session.pk)
        # it played for at least 3 s above; it cannot have played longer than the page was open
        assert 2.0 <= watched.value <= upper_bound


def test_the_player_switches_among_the_renditions_of_the_ladder(
    chromium, static_root, alice, alice_channel, tmp_path, request, settings, screenshot
):
    """VIDEO_ABR on: nginx runs the ladder, the player loads the master playlist,
    plays, offers each rendition, and the viewer pinning the lowest gets its pictures
    (tiny sizes, x264 ultrafast: cheap)."""
    ladder = "h72:72:120,h36:36:60"
    settings.VIDEO_ABR, settings.VIDEO_ABR_LADDER = True, ladder.split(",")
    settings.VIDEO_ABR_PRESET = "ultrafast"
    session = LiveSessionFactory(channel=alice_channel, title="Live in three sizes")
    learner = UserFactory(email="abr@example.com", display_name="Viewer")
    key = video.stream_key_rotate(creator=alice)
    env = {"VIDEO_ABR": "1", "VIDEO_ABR_LADDER": ladder, "VIDEO_ABR_PRESET": "ultrafast"}

    with _publishing(
        request, tmp_path, static_root, session, key, env,
        picture="192x108:rate=10", sample_rate=22050, audio=("-b:a", "32k"),
    ) as (base, prefix):  # fmt: skip
        # The ladder's first segments exist before the player asks for them.
        rung = prefix / "hls" / str(session.pk) / "h36" / "index.m3u8"
        deadline = time.monotonic() + 30
        while not (rung.exists() and ".ts" in rung.read_text()):
            assert time.monotonic() < deadline, "the ladder wrote no rendition"
            time.sleep(0.2)

        client = Client()
        client.force_login(learner)
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(20_000)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
        )
        request.addfinalizer(context.close)
        page = context.new_page()
        page.goto(f"{base}/live/{session.pk}/")
        page.wait_for_function(
            "() => document.getElementById('room-player').currentTime > 1", timeout=30_000
        )
        quality = page.get_by_test_id("quality")
        expect(quality).to_be_visible()
        options = quality.locator("option").all_text_contents()
        assert options == ["Auto quality", "36p", "72p", "108p"]  # hls.js: by bit rate
        quality.select_option(label="36p")
        page.wait_for_function(
            "() => document.getElementById('room-player').videoHeight === 36", timeout=30_000
        )
        playing = page.evaluate("document.getElementById('room-player').currentTime")
        page.wait_for_timeout(2500)
        assert page.evaluate("document.getElementById('room-player').currentTime") > playing + 1
        fetched = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        assert any(n.endswith(f"/{session.pk}/master.m3u8") for n in fetched)
        assert any(f"/{session.pk}/h36/" in n and n.endswith(".ts") for n in fetched)
        screenshot(page, "live-video-03-abr-36p")
