"""Video ingest with a real nginx-rtmp fed by a real ffmpeg.

nginx runs as an ordinary process with its files under the test's tmp dir and calls
back the test's live server; ffmpeg pushes a generated test picture and tone.
"""

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from livestream import video
from livestream.management.commands.video_ingest import nginx_start, nginx_stop, write_config
from livestream.models import LiveSession, RoomEvent
from livestream.video_views import callback_token
from tests.asgi_servers import free_port
from tests.factories import LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

FFMPEG = "/usr/bin/ffmpeg"


@pytest.fixture
def ingest(live_server, settings, tmp_path):
    """A running nginx-rtmp whose callbacks reach this test's live server."""
    if not Path(FFMPEG).exists():
        pytest.fail("ffmpeg is missing: scripts/install.sh installs it", pytrace=False)
    settings.VIDEO_UPDATE_SECONDS = 1
    prefix = tmp_path / "nginx"
    settings.VIDEO_ROOT = str(prefix)
    port, http_port = free_port(), free_port()
    config = write_config(
        prefix=prefix, rtmp_port=port, http_port=http_port, callback_base=live_server.url
    )
    nginx_start(config)
    yield {"port": port, "prefix": prefix, "http": http_port}
    nginx_stop(prefix)
    deadline = time.monotonic() + 10
    while (prefix / "nginx.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def _push(port: int, session_id, key: str, seconds: float = 4) -> subprocess.Popen:
    return subprocess.Popen(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", "testsrc=size=320x180:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15",
         "-c:a", "aac", "-t", str(seconds), "-f", "flv",
         f"rtmp://127.0.0.1:{port}/live/{session_id}?key={key}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for(check, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _status(session) -> LiveSession:
    return LiveSession.objects.get(pk=session.pk)


@pytest.fixture
def scheduled(alice_channel):
    return LiveSessionFactory(channel=alice_channel, title="Streamed")


def test_a_valid_key_takes_the_session_live_and_stopping_ends_it(
    ingest, scheduled, alice, settings
):
    settings.VIDEO_RECONNECT_GRACE_SECONDS = 0
    key = video.stream_key_rotate(creator=alice)
    encoder = _push(ingest["port"], scheduled.pk, key, seconds=4)
    assert _wait_for(lambda: _status(scheduled).status == "live"), encoder.stderr
    assert _status(scheduled).publishing
    assert RoomEvent.objects.filter(session=scheduled, payload__event="session.started").exists()
    playlist = ingest["prefix"] / "hls" / str(scheduled.pk) / "index.m3u8"
    assert _wait_for(playlist.exists), "nginx wrote no HLS playlist"
    assert encoder.wait(timeout=20) == 0, encoder.stderr.read()
    # Stopped and not back within the (here zero) grace period: the session ends.
    assert _wait_for(lambda: _status(scheduled).status == "ended")
    assert not _status(scheduled).publishing


@pytest.mark.parametrize("which", ["wrong", "another creator's", "none"])
def test_a_bad_key_is_refused_at_publish(ingest, scheduled, alice, charlie, which):
    video.stream_key_rotate(creator=alice)
    key = {"wrong": "not-the-key", "another creator's": video.stream_key_rotate(creator=charlie),
           "none": ""}[which]  # fmt: skip
    encoder = _push(ingest["port"], scheduled.pk, key, seconds=3)
    assert encoder.wait(timeout=20) != 0
    assert _status(scheduled).status == "scheduled"


def test_cancelled_session_and_second_publisher_are_refused(ingest, alice_channel, alice):
    key = video.stream_key_rotate(creator=alice)
    cancelled = LiveSessionFactory(channel=alice_channel, status="cancelled")
    assert _push(ingest["port"], cancelled.pk, key, seconds=2).wait(timeout=20) != 0

    live = LiveSessionFactory(channel=alice_channel)
    first = _push(ingest["port"], live.pk, key, seconds=8)
    assert _wait_for(lambda: _status(live).publishing)
    second = _push(ingest["port"], live.pk, key, seconds=2)
    assert second.wait(timeout=20) != 0
    assert first.poll() is None  # the first stream runs on
    first.kill()
    first.wait()


def test_rotating_the_key_cuts_the_running_stream(ingest, scheduled, alice):
    key = video.stream_key_rotate(creator=alice)
    encoder = _push(ingest["port"], scheduled.pk, key, seconds=30)
    assert _wait_for(lambda: _status(scheduled).publishing)
    started = time.monotonic()
    video.stream_key_rotate(creator=alice)
    # nginx asks every VIDEO_UPDATE_SECONDS (1 s here) and drops the stream.
    encoder.wait(timeout=15)
    assert time.monotonic() - started < 10
    assert _wait_for(lambda: not _status(scheduled).publishing)


# --- the callbacks themselves ---------------------------------------------------------


def test_callbacks_refuse_anyone_but_the_ingest_server(client, scheduled, alice):
    key = video.stream_key_rotate(creator=alice)
    form = {"call": "publish", "app": "live", "name": str(scheduled.pk), "key": key}
    assert client.post("/video/rtmp/publish/", form).status_code == 403
    assert client.post("/video/rtmp/publish/?token=guess", form).status_code == 403
    assert _status(scheduled).status == "scheduled"
    ok = client.post(f"/video/rtmp/publish/?token={callback_token()}", form)
    assert ok.status_code == 200
    assert _status(scheduled).status == "live"


def test_refusals_are_403_never_a_redirect_and_never_log_the_key(client, scheduled, alice, caplog):
    video.stream_key_rotate(creator=alice)
    form = {"call": "publish", "app": "live", "name": str(scheduled.pk), "key": "leaked-secret"}
    response = client.post(f"/video/rtmp/publish/?token={callback_token()}", form)
    assert response.status_code == 403
    assert "leaked-secret" not in caplog.text
    for name in ("../1", "abc", ""):
        bad = client.post(f"/video/rtmp/publish/?token={callback_token()}", {**form, "name": name})
        assert bad.status_code == 403


def test_a_reconnect_within_the_grace_period_keeps_the_session_live(scheduled, alice, settings):
    settings.VIDEO_RECONNECT_GRACE_SECONDS = 60
    key = video.stream_key_rotate(creator=alice)
    video.publish_start(name=str(scheduled.pk), key=key)
    video.publish_stop(name=str(scheduled.pk))  # the eager task finds the grace not over
    assert _status(scheduled).status == "live"
    video.publish_start(name=str(scheduled.pk), key=key)
    assert _status(scheduled).publishing
    assert video.session_end_if_abandoned(session_id=scheduled.pk) is False


def test_an_update_that_overtakes_the_publish_answer_does_not_cut_the_stream(
    scheduled, alice, alice_channel
):
    """On a loaded host nginx's first update can arrive while on_publish is still
    taking the session live: the right key for a scheduled session passes; an ended
    or cancelled session, or a rotated key, does not."""
    key = video.stream_key_rotate(creator=alice)
    assert video.publish_still_allowed(name=str(scheduled.pk), key=key) is True
    for status in ("ended", "cancelled"):
        closed = LiveSessionFactory(channel=alice_channel, status=status)
        assert video.publish_still_allowed(name=str(closed.pk), key=key) is False
    video.stream_key_rotate(creator=alice)
    assert video.publish_still_allowed(name=str(scheduled.pk), key=key) is False


# --- the creator's streaming settings page ------------------------------------------------


def test_the_stream_key_is_shown_once_to_its_owner_and_stored_hashed(client, alice, charlie):
    from livestream.models import StreamKey

    client.force_login(alice.user)
    page = client.get("/studio/stream-key/").content.decode()
    assert "rtmp://127.0.0.1:1935/live" in page
    assert "You have no stream key yet." in page
    shown = client.post("/studio/stream-key/").content.decode()
    key = shown.split('data-testid="stream-key">')[1].split("<")[0]
    assert len(key) >= 32  # 192 bits, URL-safe base64
    stored = StreamKey.objects.get(creator=alice)
    assert key not in stored.key_hash
    again = client.get("/studio/stream-key/").content.decode()
    assert key not in again
    assert "cannot be shown again" in again
    # Charlie's page is about charlie's key only; a learner has no such page.
    client.force_login(charlie.user)
    assert "cannot be shown again" not in client.get("/studio/stream-key/").content.decode()


# --- HLS playback through nginx's signed-token check -----------------------------------
# (the token's own tests, revocation among them: tests/livestream/test_signed_playback.py)


def _fetch(ingest, path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{ingest['http']}{path}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _signed(session, user, kind: str = "hls", file: str = "index.m3u8") -> str:
    """The path a player given a token for `user` fetches `file` at."""
    token = video.playback_token_issue(session_id=session.pk, user=user, kind=kind)
    return f"/{kind}/{token.path}/{session.pk}/{file}"


def test_entitled_viewers_get_a_token_that_nginx_accepts_others_get_none(
    ingest, alice_channel, alice, charlie
):
    ticketed = LiveSessionFactory(
        channel=alice_channel, access="ticket", ticket_price_amount=500, ticket_currency="CNY"
    )
    free = LiveSessionFactory(channel=alice_channel)
    key = video.stream_key_rotate(creator=alice)
    encoders = [_push(ingest["port"], s.pk, key, seconds=12) for s in (ticketed, free)]
    try:
        for session in (ticketed, free):
            playlist = ingest["prefix"] / "hls" / str(session.pk) / "index.m3u8"
            assert _wait_for(playlist.exists, timeout=15), "nginx wrote no HLS playlist"
        learner = UserFactory()
        # The host, and any logged-in learner for the free session, may watch.
        status, body = _fetch(ingest, _signed(ticketed, alice.user))
        assert status == 200 and body.startswith(b"#EXTM3U")
        segment = next(line for line in body.decode().splitlines() if line.endswith(".ts"))
        status, data = _fetch(ingest, _signed(ticketed, alice.user, file=segment))
        assert status == 200 and len(data) > 1000
        assert _fetch(ingest, _signed(free, learner))[0] == 200
        # No ticket: no token at all.
        for user in (learner, charlie.user):
            with pytest.raises(PermissionDenied):
                _signed(ticketed, user)
        # The learner's token for the free session opens nothing of the ticketed one.
        theirs = _signed(free, learner)
        assert _fetch(ingest, theirs.replace(f"/{free.pk}/", f"/{ticketed.pk}/"))[0] == 403
        # No token, or path tricks: 403; a query string is not part of the path.
        assert _fetch(ingest, f"/hls/{free.pk}/index.m3u8")[0] == 403
        trick = theirs.replace(f"/{free.pk}/index.m3u8", f"/{free.pk}/../{ticketed.pk}/index.m3u8")
        assert _fetch(ingest, trick)[0] in (403, 404)
        status, body = _fetch(ingest, theirs + "?x=/../../nginx.conf")
        assert (status, body[:7]) == (200, b"#EXTM3U")
        assert _fetch(ingest, "/hls/../nginx.conf")[0] in (403, 404)
        escaped = theirs.replace("/index.m3u8", "/%2e%2e/index.m3u8")
        assert _fetch(ingest, escaped)[0] in (403, 404)
    finally:
        for encoder in encoders:
            encoder.kill()
            encoder.wait()


# --- replays ----------------------------------------------------------------------------


def test_the_recording_becomes_a_replay_with_answered_questions_as_chapters(
    ingest, scheduled, alice, bob, charlie, settings
):
    from livestream import services
    from livestream.models import Recording

    settings.VIDEO_RECONNECT_GRACE_SECONDS = 0
    key = video.stream_key_rotate(creator=alice)
    encoder = _push(ingest["port"], scheduled.pk, key, seconds=7)
    assert _wait_for(lambda: _status(scheduled).publishing)
    question = services.question_ask(session=scheduled, user=bob, text="What is HLS?")
    time.sleep(3)
    services.question_moderate(
        session=scheduled, user=alice.user, question_id=question.pk, action="answer"
    )
    assert encoder.wait(timeout=30) == 0
    # Stopped, no reconnect within the grace period: ended, and the replay is built.
    assert _wait_for(lambda: _status(scheduled).replay_status == "ready", timeout=30), (
        _status(scheduled).replay_status,
        list(Recording.objects.values()),
    )
    replay = ingest["prefix"] / "vod" / str(scheduled.pk) / "index.m3u8"
    text = replay.read_text()
    assert "#EXT-X-ENDLIST" in text and "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert 5 <= _status(scheduled).replay_duration <= 9

    # The same audience plays it with a signed token.
    status, body = _fetch(ingest, _signed(scheduled, bob, "vod"))
    assert status == 200 and b"#EXT-X-ENDLIST" in body
    segment = next(line for line in body.decode().splitlines() if line.endswith(".ts"))
    assert _fetch(ingest, _signed(scheduled, bob, "vod", segment))[0] == 200
    assert _fetch(ingest, f"/vod/{scheduled.pk}/index.m3u8")[0] == 403  # no token

    # The answered question is a chapter at the time it was answered (about 3 s in).
    chapters = video.replay_chapters(session=_status(scheduled))
    assert [c["title"] for c in chapters] == ["What is HLS?"]
    assert 1.5 <= chapters[0]["start"] <= 6

    # Hidden by its creator: only the creator still gets a token.
    video.replay_set_hidden(session=scheduled, user=alice.user, hidden=True)
    with pytest.raises(PermissionDenied):
        _signed(scheduled, bob, "vod")
    assert _fetch(ingest, _signed(scheduled, alice.user, "vod"))[0] == 200


def test_record_done_accepts_only_files_in_the_recordings_folder(
    scheduled, alice, settings, tmp_path
):
    from livestream.models import Recording

    settings.VIDEO_ROOT = str(tmp_path)
    (tmp_path / "rec").mkdir()
    outside = tmp_path / "secret.flv"
    outside.write_bytes(b"x")
    key = video.stream_key_rotate(creator=alice)
    video.publish_start(name=str(scheduled.pk), key=key)
    assert video.recording_done(name=str(scheduled.pk), path=str(outside)) is None
    trick = str(tmp_path / "rec" / ".." / "secret.flv")
    assert video.recording_done(name=str(scheduled.pk), path=trick) is None
    inside = tmp_path / "rec" / f"{scheduled.pk}-1.flv"
    inside.write_bytes(b"flv")
    assert video.recording_done(name=str(scheduled.pk), path=str(inside)) is not None
    # Stored relative to VIDEO_ROOT: no host's absolute path in the database.
    assert Recording.objects.get(session=scheduled).key == f"rec/{scheduled.pk}-1.flv"


def test_the_replay_page_lists_chapters_and_the_creator_can_hide_it(client, alice_channel, bob):
    from datetime import timedelta

    from django.utils import timezone

    from livestream import services
    from livestream.models import Recording

    host = alice_channel.creator.user
    session = services.session_start(session=LiveSessionFactory(channel=alice_channel), user=host)
    question = services.question_ask(session=session, user=bob, text="Why HLS?")
    Recording.objects.create(
        session=session, started_at=timezone.now() - timedelta(seconds=90), key="rec/x.flv",
        duration=600,
    )  # fmt: skip
    services.question_moderate(session=session, user=host, question_id=question.pk, action="answer")
    services.session_end(session=session, user=host)  # the build finds no file: no replay
    LiveSession.objects.filter(pk=session.pk).update(replay_status="ready")

    client.force_login(bob)
    page = client.get(f"/live/{session.pk}/").content.decode()
    assert "Jump to an answer" in page
    assert '"title": "Why HLS?"' in page and '"start": 90' in page

    client.force_login(host)
    client.post(f"/studio/sessions/{session.pk}/replay/", {"hidden": "1"})
    assert LiveSession.objects.get(pk=session.pk).replay_hidden
    client.force_login(bob)
    assert "Jump to an answer" not in client.get(f"/live/{session.pk}/").content.decode()
    # Someone else's replay cannot be hidden or shown by bob.
    assert client.post(f"/studio/sessions/{session.pk}/replay/", {"hidden": "0"}).status_code in (
        302, 403, 404)  # fmt: skip
    assert LiveSession.objects.get(pk=session.pk).replay_hidden


def test_an_encoder_that_reconnects_within_the_grace_period_keeps_the_session_live(
    ingest, scheduled, alice, settings
):
    settings.VIDEO_RECONNECT_GRACE_SECONDS = 60
    key = video.stream_key_rotate(creator=alice)
    assert _push(ingest["port"], scheduled.pk, key, seconds=2).wait(timeout=20) == 0
    assert _wait_for(lambda: not _status(scheduled).publishing)
    assert _status(scheduled).status == "live"  # waiting for the encoder to come back
    again = _push(ingest["port"], scheduled.pk, key, seconds=2)
    assert _wait_for(lambda: _status(scheduled).publishing)
    assert again.wait(timeout=20) == 0
    assert _status(scheduled).status == "live"
