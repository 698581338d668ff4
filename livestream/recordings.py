"""Recordings in object storage: once a session's replay is in the bucket, each of its
recordings (nginx's FLV) is remuxed to MP4 (copied, not re-encoded; moov first, so
it plays while it downloads), uploaded to <video storage>/rec/<name>.mp4 and
verified, and only then removed from the ingest host's disk.

`Recording.key` is relative ("rec/<name>.flv" on disk, "rec/<name>.mp4" in the
bucket) and `Recording.in_bucket` says where it is: no host's path is stored. The
creator downloads a recording by a short-lived presigned URL from the bucket, never
streamed through Django; a replay rebuilt later reads it from there too.
"""

import subprocess
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from livestream import replay_storage
from livestream.models import Recording

FFMPEG = "/usr/bin/ffmpeg"


def _root() -> Path:
    return Path(settings.VIDEO_ROOT).resolve()


def recording_source(recording: Recording) -> str | None:
    """Where ffmpeg reads the recording: its file on this disk, or a presigned URL of
    its object in the bucket; None if it is in neither."""
    if recording.in_bucket:
        storage = replay_storage.bucket()
        return storage.url(recording.key) if storage is not None else None
    path = _root() / recording.key
    return str(path) if recording.key and path.is_file() else None


def _remux_mp4(source: Path) -> Path:
    target = source.with_suffix(".mp4")
    subprocess.run(  # noqa: S603 - fixed binary, our own files
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(source),
         "-c", "copy", "-movflags", "+faststart", str(target)],
        check=True, timeout=3600,
    )  # fmt: skip
    return target


def recording_upload(*, recording_id: int) -> bool:
    """Remux, upload and verify one recording, then mark it in the bucket and remove
    the local files. Restartable: the object is sent again only if the bucket's copy
    does not match; a bucket that cannot be reached raises (the task retries) and
    leaves the FLV where it is. Returns whether the recording is in the bucket."""
    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None or recording.in_bucket:
        return recording is not None
    local = _root() / recording.key
    if not recording.key or not local.is_file():
        return False
    mp4 = local if local.suffix == ".mp4" else _remux_mp4(local)
    key = str(Path(recording.key).with_suffix(".mp4"))
    replay_storage.upload_file(mp4, key=key, content_type="video/mp4")
    with transaction.atomic():
        updated = Recording.objects.filter(pk=recording_id, in_bucket=False).update(
            key=key, in_bucket=True
        )
    if updated:
        local.unlink(missing_ok=True)
        mp4.unlink(missing_ok=True)
    return True


def recordings_to_upload(*, session_id: int) -> list[int]:
    return list(
        Recording.objects.filter(session_id=session_id, in_bucket=False)
        .exclude(key="")
        .values_list("pk", flat=True)
    )


def recording_download_url(*, recording_id: int, user) -> str:
    """A presigned URL (VIDEO_STORAGE's presign time) for the channel's creator to
    download a recording from the bucket; PermissionDenied for anyone else, or for
    a recording not in the bucket."""
    recording = (
        Recording.objects.select_related("session__channel__creator")
        .filter(pk=recording_id)
        .first()
    )
    if recording is None or recording.session.channel.creator.user_id != user.pk:
        raise PermissionDenied(_("Only the channel's creator can download its recordings."))
    storage = replay_storage.bucket()
    if not recording.in_bucket or storage is None:
        raise PermissionDenied(_("This recording is not in storage yet: try again later."))
    name = f"session-{recording.session_id}-{recording.started_at:%Y%m%d-%H%M%S}.mp4"
    return storage.url(
        recording.key,
        parameters={"ResponseContentDisposition": f'attachment; filename="{name}"'},
    )
