"""Replays in object storage: a real S3-compatible server (moto in
server mode, tests/s3.py), a real nginx serving replays from it through the signed
path."""

import json
import os

import pytest

from livestream import replay_storage, tasks, video
from livestream.models import LiveSession
from tests.asgi_servers import free_port
from tests.factories import LiveSessionFactory
from tests.s3 import bucket_keys, fetch
from tests.video_servers import fetch as nginx_fetch
from tests.video_servers import hls_files, origin_nginx

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(alice_channel, settings, tmp_path):
    settings.VIDEO_ROOT = str(tmp_path / "video")
    session = LiveSessionFactory(channel=alice_channel, status="ended")
    LiveSession.objects.filter(pk=session.pk).update(replay_status="processing")
    names = hls_files(tmp_path / "video", "vod", session.pk)
    return session, tmp_path / "video" / "vod" / str(session.pk), names


def _state(session) -> tuple[str, bool]:
    row = LiveSession.objects.get(pk=session.pk)
    return row.replay_status, row.replay_in_bucket


def test_the_replay_moves_to_the_bucket_verified_and_plays_through_the_signed_path(
    s3, ended, bob, settings
):
    session, folder, names = ended
    assert video.replay_upload(session_id=session.pk) is True
    assert bucket_keys(s3) == sorted(f"video/vod/{session.pk}/{n}" for n in [*names, "index.m3u8"])
    assert not folder.exists()  # removed only once every object was verified
    assert _state(session) == ("ready", True)
    # The objects are private: nobody reads them from the bucket without credentials...
    segment_url = f"{s3['endpoint']}/{s3['bucket']}/video/vod/{session.pk}/index-1.ts"
    assert fetch(segment_url)[0] == 403
    # ...but the origin, by the bucket policy (moto does not evaluate its condition,
    # S3 does). Viewers never get a bucket URL: nginx fetches after the token check.
    policy = replay_storage.origin_read_policy(
        bucket_name=s3["bucket"], location="video", origin_ips=["127.0.0.1/32"]
    )
    s3["client"].put_bucket_policy(Bucket=s3["bucket"], Policy=json.dumps(policy))
    with origin_nginx(folder.parents[1]) as origin:
        token = video.playback_token_issue(session_id=session.pk, user=bob, kind="vod")
        path = f"/vod/{token.path}/{session.pk}/"
        status, body, headers = nginx_fetch(origin["http"], path + "index-1.ts")
        assert status == 200 and body == b"index-1.ts" * 2000
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert nginx_fetch(origin["http"], path + "index.m3u8")[1].startswith(b"#EXTM3U")
        assert nginx_fetch(origin["http"], path + "missing.ts")[0] == 404
        assert nginx_fetch(origin["http"], f"/vod/{session.pk}/index-1.ts")[0] == 403
    # Running again is a no-op.
    assert video.replay_upload(session_id=session.pk) is True


def test_an_unreachable_bucket_leaves_the_replay_on_disk_processing_and_retried(
    s3, ended, settings, client, alice
):
    session, folder, names = ended
    dead = f"http://127.0.0.1:{free_port()}"
    for alias in ("video",):
        settings.STORAGES = {
            **settings.STORAGES,
            alias: {**settings.STORAGES[alias],
                    "OPTIONS": {**settings.STORAGES[alias]["OPTIONS"], "endpoint_url": dead}},
        }  # fmt: skip
    with pytest.raises(replay_storage.TRANSIENT_ERRORS):
        video.replay_upload(session_id=session.pk)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*names, "index.m3u8"])
    assert _state(session) == ("processing", False)
    # The task retries this error with backoff, and is acknowledged only when done.
    task = tasks.replay_upload_task
    assert set(replay_storage.TRANSIENT_ERRORS) <= set(task.autoretry_for)
    assert task.retry_backoff and task.acks_late
    # The creator sees it is being processed.
    client.force_login(alice.user)
    page = client.get("/studio/sessions/").content.decode()
    assert 'data-testid="replay-processing"' in page


def test_an_interrupted_upload_resumes_without_losing_or_resending_verified_files(s3, ended):
    """As if the worker died after two objects, one of them cut short: the retry
    sends what is missing or wrong, skips what is verified, then cleans up."""
    session, folder, names = ended
    client, bucket = s3["client"], s3["bucket"]
    first, second = names[0], names[1]
    client.put_object(Bucket=bucket, Key=f"video/vod/{session.pk}/{first}",
                      Body=(folder / first).read_bytes())  # fmt: skip
    client.put_object(Bucket=bucket, Key=f"video/vod/{session.pk}/{second}", Body=b"cut")
    assert folder.exists() and _state(session) == ("processing", False)
    sent = replay_storage.upload_folder(folder, prefix=f"vod/{session.pk}")
    assert sent == len(names) + 1 - 1  # everything but the verified first segment
    stored = client.get_object(Bucket=bucket, Key=f"video/vod/{session.pk}/{second}")
    assert stored["Body"].read() == (folder / second).read_bytes()
    assert video.replay_upload(session_id=session.pk) is True
    assert not folder.exists()


def test_without_a_bucket_the_replay_stays_local_and_is_ready(ended, settings):
    session, folder, _names = ended
    assert replay_storage.bucket() is None
    assert replay_storage.nginx_bucket_origin() == ""


def test_a_file_over_the_part_size_goes_up_in_parts_and_a_retry_keeps_the_parts_stored(
    s3, settings, tmp_path
):
    """A long recording (over S3's 5 GB single PUT in production; 5 MiB parts here)
    goes up as a multipart upload. As if the worker died mid-way with part 1 stored
    and part 2 cut short, the retry sends parts 2 and 3 only, and the object is
    verified by its multipart ETag."""
    settings.VIDEO_UPLOAD_PART_BYTES = part = 5 * 1024 * 1024
    path = tmp_path / "long.mp4"
    data = os.urandom(2 * part + 1024 * 1024)
    path.write_bytes(data)
    client, bucket, key = s3["client"], s3["bucket"], "video/rec/long.mp4"
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=data[:part])
    client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, Body=b"cut" * 9)

    sent_parts = []
    storage = replay_storage.bucket()
    storage.connection.meta.client.meta.events.register(
        "provide-client-params.s3.UploadPart",
        lambda params, **_: sent_parts.append(params["PartNumber"]),
    )
    assert replay_storage.upload_file(path, key="rec/long.mp4", storage=storage) is True
    assert sent_parts == [2, 3]
    stored = client.get_object(Bucket=bucket, Key=key)
    assert stored["ETag"].strip('"').endswith("-3")
    assert stored["Body"].read() == data
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # Already there with the same bytes: nothing is sent again.
    assert replay_storage.upload_file(path, key="rec/long.mp4", storage=storage) is False
    assert sent_parts == [2, 3]
