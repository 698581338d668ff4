"""Adaptive bitrate end to end: a real nginx-rtmp runs livestream/ladder.py for the
publish, a real ffmpeg encodes the ladder, and every rendition plays through nginx's
signed path; the replay keeps the ladder, also from the bucket (moto in server mode).

Tiny pictures (192x108 source, 72p and 36p rungs), a few seconds, x264 ultrafast:
the CPU cost stays small.
"""

import json
import subprocess

import pytest

from livestream import ladder, replay_storage, video
from livestream.management.commands.video_ingest import write_config
from livestream.models import LiveSession
from tests.factories import LiveSessionFactory
from tests.livestream.test_video_ingest import FFMPEG, _wait_for
from tests.video_servers import fetch, origin_nginx

pytestmark = pytest.mark.django_db(transaction=True)

LADDER = ["h720:720:2000", "h72:72:120", "h36:36:60"]  # h720: above the source, skipped


@pytest.fixture
def abr(settings):
    settings.VIDEO_ABR = True
    settings.VIDEO_ABR_LADDER = LADDER
    settings.VIDEO_ABR_PRESET = "ultrafast"
    settings.VIDEO_UPDATE_SECONDS = 1
    settings.VIDEO_RECONNECT_GRACE_SECONDS = 0


def _push(port: int, session_id: int, key: str, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", "testsrc=size=192x108:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10",
         "-b:v", "200k", "-c:a", "aac", "-b:a", "32k", "-t", str(seconds), "-f", "flv",
         f"rtmp://127.0.0.1:{port}/live/{session_id}?key={key}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _variants(master: str) -> dict[str, dict[str, str]]:
    """{uri: {"BANDWIDTH": ..., "RESOLUTION": ...}} of a master playlist."""
    lines = master.splitlines()
    found = {}
    for info, uri in zip(lines, lines[1:], strict=False):
        if info.startswith("#EXT-X-STREAM-INF:"):
            found[uri] = dict(a.split("=", 1) for a in info.split(":", 1)[1].split(","))
    return found


def _segments(playlist: bytes) -> list[str]:
    return [line for line in playlist.decode().splitlines() if line.endswith(".ts")]


def _height(data: bytes, tmp_path) -> int:
    sample = tmp_path / "sample.ts"
    sample.write_bytes(data)
    out = subprocess.run(
        [ladder.FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=height", "-of", "json", str(sample)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)["streams"][0]["height"]


def _plays_every_rendition(port: int, base: str, tmp_path, *, live: bool) -> dict[str, dict]:
    """Fetch the master, each rendition's playlist and a segment of each through the
    signed path; returns the master's variants."""
    status, body, _headers = fetch(port, base + "master.m3u8")
    assert status == 200, status
    variants = _variants(body.decode())
    assert sorted(variants) == ["h36/index.m3u8", "h72/index.m3u8", "index.m3u8"]
    assert variants["index.m3u8"]["RESOLUTION"] == "192x108"
    assert variants["h72/index.m3u8"]["RESOLUTION"] == "128x72"
    assert variants["h36/index.m3u8"]["RESOLUTION"] == "64x36"
    rates = [int(variants[u]["BANDWIDTH"]) for u in ("index.m3u8", "h72/index.m3u8",
                                                     "h36/index.m3u8")]  # fmt: skip
    assert rates == sorted(rates, reverse=True) and rates[-1] > 60_000
    for uri, height in (("index.m3u8", 108), ("h72/index.m3u8", 72), ("h36/index.m3u8", 36)):
        status, playlist, _headers = fetch(port, base + uri)
        assert status == 200 and playlist.startswith(b"#EXTM3U"), (uri, status)
        if not live:
            assert b"#EXT-X-ENDLIST" in playlist
        folder = uri.rpartition("/")[0]
        segment = (folder + "/" if folder else "") + _segments(playlist)[0]
        status, data, headers = fetch(port, base + segment)
        assert status == 200 and len(data) > 500, (segment, status)
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert _height(data, tmp_path) == height
    return variants


def test_a_live_stream_plays_in_every_rendition_and_its_replay_keeps_the_ladder(
    abr, live_server, alice_channel, alice, bob, settings, tmp_path
):
    prefix = tmp_path / "nginx"
    settings.VIDEO_ROOT = str(prefix)
    session = LiveSessionFactory(channel=alice_channel, title="Ladder")
    key = video.stream_key_rotate(creator=alice)
    with origin_nginx(prefix, callback_base=live_server.url) as ingest:
        assert "exec_push" in (prefix / "nginx.conf").read_text()
        # Long enough that the ladder (started after the publish is accepted, then
        # probing the source) is still running when the renditions are fetched.
        encoder = _push(ingest["port"], session.pk, key, seconds=12)
        rung = prefix / "hls" / str(session.pk) / "h36" / "index.m3u8"
        assert _wait_for(lambda: rung.exists() and ".ts" in rung.read_text(), timeout=20), (
            (prefix / "error.log").read_text()[-2000:],
            encoder.poll(),
            encoder.poll() is not None and encoder.stderr.read(),
            LiveSession.objects.values_list("status", "publishing").get(pk=session.pk),
            sorted(str(p) for p in (prefix / "hls").rglob("*")),
        )
        assert _wait_for((prefix / "hls" / str(session.pk) / "index.m3u8").exists, timeout=10)
        token = video.playback_token_issue(session_id=session.pk, user=bob, kind="hls")
        assert token.url.endswith(f"/{session.pk}/master.m3u8")
        base = f"/hls/{token.path}/{session.pk}/"
        _plays_every_rendition(ingest["http"], base, tmp_path, live=True)
        ladder_process = f"--out {prefix}/hls/{session.pk} "
        assert ladder_process in _processes()
        # Every rendition sits behind the token: none without it, none for another session.
        for uri in ("master.m3u8", "h72/index.m3u8"):
            assert fetch(ingest["http"], f"/hls/{session.pk}/{uri}")[0] == 403
            other = base.replace(f"/{session.pk}/", f"/{session.pk + 1}/")
            assert fetch(ingest["http"], other + uri)[0] == 403
        assert encoder.wait(timeout=30) == 0, encoder.stderr.read()
        # The publish ended: nginx stopped the ladder's ffmpeg with it.
        assert _wait_for(lambda: ladder_process not in _processes(), timeout=10)
        # The session ends; the replay is built with the same ladder.
        assert _wait_for(
            lambda: LiveSession.objects.get(pk=session.pk).replay_status == "ready", timeout=60
        ), LiveSession.objects.get(pk=session.pk).replay_status
        vod = video.playback_token_issue(session_id=session.pk, user=bob, kind="vod")
        variants = _plays_every_rendition(
            ingest["http"], f"/vod/{vod.path}/{session.pk}/", tmp_path, live=False
        )
        # The replay's source rate is measured from its segments.
        assert 100_000 < int(variants["index.m3u8"]["BANDWIDTH"]) < 1_000_000


def _processes() -> str:
    return subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout


def test_a_replay_with_its_ladder_moves_to_the_bucket_and_plays_from_there(
    abr, s3, alice_channel, bob, settings, tmp_path
):
    """The replay's rendition folders go to the bucket too (master playlist last), and
    nginx serves every rendition from it through the signed path."""
    settings.VIDEO_ROOT = str(tmp_path / "video")
    session = LiveSessionFactory(channel=alice_channel, status="ended")
    rec = tmp_path / "video" / "rec"
    rec.mkdir(parents=True)
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "testsrc=size=192x108:rate=10", "-f", "lavfi", "-i", "sine=sample_rate=22050",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-t", "3",
         str(rec / f"{session.pk}-1.flv")],
        check=True,
    )  # fmt: skip
    session.recordings.create(started_at=session.scheduled_start, key=f"rec/{session.pk}-1.flv")
    assert video.replay_build(session_id=session.pk) is True  # uploads on commit (eager)
    assert LiveSession.objects.get(pk=session.pk).replay_in_bucket
    assert not (tmp_path / "video" / "vod" / str(session.pk)).exists()
    keys = {k["Key"] for k in s3["client"].list_objects_v2(Bucket=s3["bucket"])["Contents"]}
    assert {f"video/vod/{session.pk}/{n}" for n in
            ("master.m3u8", "index.m3u8", "h72/index.m3u8", "h36/index.m3u8")} <= keys  # fmt: skip
    policy = replay_storage.origin_read_policy(
        bucket_name=s3["bucket"], location="video", origin_ips=["127.0.0.1/32"]
    )
    s3["client"].put_bucket_policy(Bucket=s3["bucket"], Policy=json.dumps(policy))
    with origin_nginx(tmp_path / "video") as origin:
        token = video.playback_token_issue(session_id=session.pk, user=bob, kind="vod")
        _plays_every_rendition(origin["http"], f"/vod/{token.path}/{session.pk}/", tmp_path,
                               live=False)  # fmt: skip


def test_the_ladder_keeps_lower_rungs_only_and_writes_the_master_playlist():
    rungs = ladder.parse_ladder("360p:360:800,720p:720:2800,480p:480:1400")
    assert [r.name for r in rungs] == ["720p", "480p", "360p"]
    source = ladder.Source(width=1280, height=720, kbps=3000, audio=True)
    below = ladder.rungs_below(rungs, source)
    assert [r.name for r in below] == ["480p", "360p"]  # source plus two lower
    variants = _variants(ladder.master_playlist(source, below))
    assert variants == {
        "index.m3u8": {"BANDWIDTH": str((3000 + 128) * 1100), "RESOLUTION": "1280x720"},
        "480p/index.m3u8": {"BANDWIDTH": str((1400 + 128) * 1100), "RESOLUTION": "854x480"},
        "360p/index.m3u8": {"BANDWIDTH": str((800 + 128) * 1100), "RESOLUTION": "640x360"},
    }


@pytest.mark.parametrize(
    "ladder_setting",
    [["720p:721:2800"], ["../x:480:1400"], ["480p:480"], ["a:480:1400", "a:360:800"], []],
    ids=["odd height", "bad name", "no rate", "same name", "empty"],
)
def test_a_malformed_ladder_is_refused_when_the_config_is_written(
    abr, settings, tmp_path, ladder_setting
):
    settings.VIDEO_ABR_LADDER = ladder_setting
    with pytest.raises(ValueError, match="ladder"):
        write_config(prefix=tmp_path, rtmp_port=1, http_port=2, callback_base="http://x")


def test_without_abr_the_player_loads_the_source_and_nginx_runs_no_ladder(
    settings, tmp_path, alice_channel, bob
):
    settings.VIDEO_ABR = False
    session = LiveSessionFactory(channel=alice_channel, status="live")
    token = video.playback_token_issue(session_id=session.pk, user=bob, kind="hls")
    assert token.url == token.source_url and token.url.endswith("/index.m3u8")
    config = write_config(prefix=tmp_path, rtmp_port=1, http_port=2, callback_base="http://x")
    assert "exec_push" not in config.read_text()
