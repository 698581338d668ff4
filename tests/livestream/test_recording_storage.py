"""Recordings in object storage (livestream/recordings.py): a real S3-compatible server
(moto in server mode, tests/s3.py) and a real ffmpeg. Once the replay is in the
bucket, each recording follows as MP4, leaves the disk only once verified, downloads
by a presigned URL, and a replay rebuilt later reads it from the bucket."""

import json
import subprocess

import pytest
from django.core.exceptions import PermissionDenied

from livestream import recordings, video
from livestream.models import LiveSession, Recording
from tests.asgi_servers import free_port
from tests.factories import LiveSessionFactory
from tests.s3 import bucket_keys, fetch

pytestmark = pytest.mark.django_db

FFMPEG = "/usr/bin/ffmpeg"


@pytest.fixture
def recorded(alice_channel, settings, tmp_path):
    """An ended session with one 2 s FLV recording, as nginx leaves it."""
    settings.VIDEO_ROOT = str(tmp_path / "video")
    session = LiveSessionFactory(channel=alice_channel, status="ended")
    rec = tmp_path / "video" / "rec"
    rec.mkdir(parents=True)
    flv = rec / f"{session.pk}-1700000000.flv"
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "testsrc=size=96x54:rate=10", "-f", "lavfi", "-i", "sine=sample_rate=22050",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-t", "2", str(flv)],
        check=True,
    )  # fmt: skip
    recording = Recording.objects.create(
        session=session, started_at=session.scheduled_start, key=f"rec/{flv.name}"
    )
    return session, recording, flv


def _duration(url: str) -> float:
    out = subprocess.run(
        ["/usr/bin/ffprobe", "-v", "error", "-show_entries", "format=duration,format_name",
         "-of", "json", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = json.loads(out.stdout)["format"]
    assert "mp4" in found["format_name"]
    return float(found["duration"])


def test_the_recording_follows_the_replay_to_the_bucket_as_mp4_and_downloads_by_presigned_url(
    s3, recorded, client, alice, charlie, django_capture_on_commit_callbacks
):
    session, recording, flv = recorded
    with django_capture_on_commit_callbacks(execute=True):
        assert video.replay_build(session_id=session.pk) is True
    row = Recording.objects.get(pk=recording.pk)
    assert (row.key, row.in_bucket) == (f"rec/{flv.stem}.mp4", True)
    assert not flv.exists() and not flv.with_suffix(".mp4").exists()  # off the disk
    assert f"video/rec/{flv.stem}.mp4" in bucket_keys(s3)
    assert LiveSession.objects.get(pk=session.pk).replay_in_bucket

    # The creator's download: a presigned URL (never streamed through Django).
    client.force_login(alice.user)
    page = client.get(f"/studio/sessions/{session.pk}/recordings/")
    assert b'data-testid="recording-download"' in page.content
    response = client.get(f"/studio/sessions/{session.pk}/recordings/{recording.pk}/")
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(s3["endpoint"]) and "Signature" in url
    assert "attachment" in url
    status, body = fetch(url)
    assert status == 200 and body[4:8] == b"ftyp"
    assert 1.5 <= _duration(url) <= 2.6
    assert fetch(url.split("?")[0])[0] == 403  # private without the signature

    # Another creator reaches neither the list nor the file.
    client.force_login(charlie.user)
    download = f"/studio/sessions/{session.pk}/recordings/{recording.pk}/"
    assert client.get(download).status_code == 404
    with pytest.raises(PermissionDenied, match="creator"):
        recordings.recording_download_url(recording_id=recording.pk, user=charlie.user)


def test_a_replay_rebuilt_later_reads_the_recordings_from_the_bucket(
    s3, recorded, django_capture_on_commit_callbacks
):
    session, recording, flv = recorded
    with django_capture_on_commit_callbacks(execute=True):
        video.replay_build(session_id=session.pk)
    assert Recording.objects.get(pk=recording.pk).in_bucket and not flv.exists()
    keys_before = bucket_keys(s3)
    with django_capture_on_commit_callbacks(execute=True):
        assert video.replay_build(session_id=session.pk) is True
    assert LiveSession.objects.get(pk=session.pk).replay_status == "ready"
    assert bucket_keys(s3) == keys_before  # the same replay again, verified


def test_an_unreachable_bucket_keeps_the_recording_on_disk_for_the_retry(s3, recorded, settings):
    session, recording, flv = recorded
    settings.STORAGES = {
        **settings.STORAGES,
        "video": {**settings.STORAGES["video"],
                  "OPTIONS": {**settings.STORAGES["video"]["OPTIONS"],
                              "endpoint_url": f"http://127.0.0.1:{free_port()}"}},
    }  # fmt: skip
    from livestream import replay_storage, tasks

    with pytest.raises(replay_storage.TRANSIENT_ERRORS):
        recordings.recording_upload(recording_id=recording.pk)
    assert flv.exists()
    row = Recording.objects.get(pk=recording.pk)
    assert (row.key, row.in_bucket) == (f"rec/{flv.name}", False)
    assert set(replay_storage.TRANSIENT_ERRORS) <= set(tasks.recording_upload_task.autoretry_for)
    assert tasks.recording_upload_task.acks_late
