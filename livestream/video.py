"""Video ingest: stream keys and the decisions behind nginx-rtmp's callbacks.

nginx (deploy/nginx-rtmp.conf.template) asks Django before it accepts a stream
(`on_publish`), tells it when the stream stops (`on_publish_done`) and asks again
every few seconds while it runs (`on_update`): a key rotated meanwhile stops the
stream at the next update. The views in video_views.py only check that the caller
is the ingest server and call these services.
"""

import dataclasses
import hashlib
import hmac
import secrets
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import events
from livestream import jobs, ladder, playback, recordings, replay_storage, services
from livestream.models import LiveSession, Recording, RoomQuestion, StreamKey
from marketplace.models import CreatorProfile, PublicationStatus

FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def stream_key_rotate(*, creator: CreatorProfile) -> str:
    """Make a new key (192 random bits) and return it: the only time it is shown.

    The old key stops working at once; a stream that used it is cut at nginx's next
    update call (VIDEO_UPDATE_SECONDS).
    """
    key = secrets.token_urlsafe(24)
    StreamKey.objects.update_or_create(creator=creator, defaults={"key_hash": _hash(key)})
    return key


def _session_for_key(*, name: str, key: str, lock: bool = True) -> LiveSession:
    """The session named by the stream, if `key` is its creator's current key.

    `lock` takes the session row's lock (the caller holds a transaction)."""
    if not name.isdigit() or not key:
        raise PermissionDenied("unknown stream")
    sessions = LiveSession.objects.select_related("channel__creator")
    if lock:
        sessions = sessions.select_for_update(of=("self",))
    session = sessions.filter(pk=int(name)).first()
    stored = (
        StreamKey.objects.filter(creator_id=session.channel.creator_id).first() if session else None
    )
    if session is None or stored is None or not hmac.compare_digest(stored.key_hash, _hash(key)):
        raise PermissionDenied("wrong key")
    return session


@transaction.atomic
def publish_start(*, name: str, key: str) -> LiveSession:
    """nginx's on_publish: accept the stream (the session goes live) or refuse it.

    Refused: an unknown session, a wrong or rotated key, another creator's key, a
    session that is not scheduled or live, a second publisher on a live session.
    """
    session = _session_for_key(name=name, key=key)
    if session.status not in (LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE):
        raise PermissionDenied("session not open")
    if session.publishing:
        raise PermissionDenied("already publishing")
    session.publishing = True
    session.publish_stopped_at = None
    session.save(update_fields=["publishing", "publish_stopped_at"])
    # nginx records every publish (deploy/nginx-rtmp.conf.template); the file's
    # path arrives with on_record_done.
    Recording.objects.create(session=session, started_at=timezone.now())
    if session.status == LiveSession.Status.SCHEDULED:
        services.session_start(session=session, user=None)
    return session


@transaction.atomic
def publish_stop(*, name: str) -> None:
    """nginx's on_publish_done: the encoder stopped. The session ends unless it comes
    back within VIDEO_RECONNECT_GRACE_SECONDS (a dropped connection, an OBS restart).
    """
    if not name.isdigit():
        return
    session = LiveSession.objects.select_for_update().filter(pk=int(name)).first()
    if session is None or not session.publishing:
        return
    session.publishing = False
    session.publish_stopped_at = timezone.now()
    session.save(update_fields=["publishing", "publish_stopped_at"])
    jobs.enqueue_on_commit(
        "session_end_if_abandoned_task",
        session.pk,
        countdown=settings.VIDEO_RECONNECT_GRACE_SECONDS,
    )


def publish_still_allowed(*, name: str, key: str) -> bool:
    """nginx's on_update: False stops the stream (the key was rotated, the session
    ended or was cancelled). A session still scheduled passes: on a loaded host
    nginx's first update can arrive before on_publish has committed the session
    going live, and on_publish decides that."""
    try:
        session = _session_for_key(name=name, key=key, lock=False)  # a read: no lock
    except PermissionDenied:
        return False
    return session.status in (LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE)


@transaction.atomic
def session_end_if_abandoned(*, session_id: int) -> bool:
    """End a live session whose encoder stopped more than the grace period ago and
    has not come back. Safe to run twice. Returns whether it ended the session."""
    session = LiveSession.objects.select_for_update().filter(pk=session_id).first()
    if (
        session is None
        or session.status != LiveSession.Status.LIVE
        or session.publishing
        or session.publish_stopped_at is None
    ):
        return False
    grace = timedelta(seconds=settings.VIDEO_RECONNECT_GRACE_SECONDS)
    if timezone.now() - session.publish_stopped_at < grace:
        return False
    services.session_end(session=session, user=None)
    return True


def playback_allowed(*, session_id: int, user, replay: bool = False) -> bool:
    """May this user fetch the session's video? Whoever may watch the room; for the
    replay, only once it is ready, and while hidden only the creator."""
    session = (
        LiveSession.objects.select_related("channel__creator", "channel")
        .filter(pk=session_id)
        .first()
    )
    if session is None or session.status == LiveSession.Status.CANCELLED:
        return False
    if session.channel.status != PublicationStatus.PUBLISHED and (
        not user.is_authenticated or session.channel.creator.user_id != user.pk
    ):
        return False
    is_owner = user.is_authenticated and session.channel.creator.user_id == user.pk
    if replay and session.replay_status != LiveSession.Replay.READY:
        return False
    if replay and session.replay_hidden and not is_owner:
        return False
    if is_owner:
        return True
    return services.viewer_may_watch(session=session, user=user)


def playback_token_issue(*, session_id: int, user, kind: str) -> playback.PlaybackToken:
    """A signed token for the session's live video (kind "hls") or replay ("vod"),
    if the user may watch it now; PermissionDenied otherwise (the player then shows
    that access has ended). Asked when the player starts and on each refresh."""
    if kind not in playback.KINDS:
        raise PermissionDenied("no such video")
    if not playback_allowed(session_id=session_id, user=user, replay=kind == "vod"):
        raise PermissionDenied("no access")
    return playback.token_sign(kind=kind, session_id=session_id, viewer=user.pk or 0)


# --- replays -------------------------------------------------------------------------


def video_root() -> Path:
    return Path(settings.VIDEO_ROOT).resolve()


@transaction.atomic
def recording_done(*, name: str, path: str) -> Recording | None:
    """nginx's on_record_done: attach the file to the session's open recording.

    Only files inside VIDEO_ROOT/rec/ are accepted. If the session has already
    ended (the encoder outlived it), the replay is (re)built now.
    """
    rec_dir = video_root() / "rec"
    try:
        file = Path(path).resolve()
    except (OSError, ValueError):
        return None
    if not name.isdigit() or rec_dir not in file.parents or not file.is_file():
        return None
    recording = (
        Recording.objects.select_for_update()
        .filter(session_id=int(name), key="")
        .order_by("-started_at")
        .first()
    )
    if recording is None:
        return None
    recording.key = str(file.relative_to(video_root()))
    recording.ended_at = timezone.now()
    recording.save(update_fields=["key", "ended_at"])
    if recording.session.status == LiveSession.Status.ENDED:
        jobs.enqueue_on_commit("replay_build_task", recording.session_id)
    return recording


def _probe_duration(path: Path | str) -> float:
    out = subprocess.run(  # noqa: S603 - fixed binary, our own file or object
        [FFPROBE, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return float(out.stdout.strip() or 0)


def replay_build(*, session_id: int) -> bool:
    """Join the session's recordings into a VOD playlist (HLS, copied, not
    re-encoded) under VIDEO_ROOT/vod/<id>/. Safe to run twice: it builds in a
    temporary folder and swaps it in. Returns whether a replay is ready."""
    session = LiveSession.objects.filter(pk=session_id).first()
    if session is None or session.status != LiveSession.Status.ENDED:
        return False
    # On this disk, or already in the bucket (a replay rebuilt after the upload).
    found = [(r, recordings.recording_source(r)) for r in session.recordings.exclude(key="")]
    parts = [(r, source) for r, source in found if source]
    if not parts:
        return False
    LiveSession.objects.filter(pk=session_id).update(replay_status=LiveSession.Replay.PROCESSING)
    vod = video_root() / "vod"
    vod.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{session_id}-", dir=vod))
    try:
        for recording, source in parts:
            if recording.duration is None or not recording.in_bucket:
                recording.duration = _probe_duration(source)
                recording.save(update_fields=["duration"])
        listing = work / "recordings.txt"
        listing.write_text("".join(f"file '{source}'\n" for _r, source in parts))
        concat = ["-f", "concat", "-safe", "0", "-protocol_whitelist",
                  "file,http,https,tcp,tls,crypto", "-i", str(listing)]  # fmt: skip
        subprocess.run(  # noqa: S603 - fixed binary, our own files
            [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *concat,
             "-c", "copy", "-f", "hls", "-hls_time", "4",
             "-hls_playlist_type", "vod", "-hls_segment_filename", str(work / "seg%05d.ts"),
             str(work / "index.m3u8")],
            check=True, timeout=3600,
        )  # fmt: skip
        if settings.VIDEO_ABR:
            _replay_ladder(work, inputs=concat)
        listing.unlink()
        target = vod / str(session_id)
        old = vod / f"{session_id}.old"
        if target.exists():
            target.rename(old)
        work.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except (subprocess.SubprocessError, OSError):
        shutil.rmtree(work, ignore_errors=True)
        LiveSession.objects.filter(pk=session_id).update(replay_status=LiveSession.Replay.FAILED)
        raise
    if replay_storage.bucket() is None:
        LiveSession.objects.filter(pk=session_id).update(
            replay_status=LiveSession.Replay.READY, replay_in_bucket=False
        )
        events.send_on_commit(events.KnowledgeChanged(kind="session", object_id=session_id))
    else:
        # Ready once the bucket holds a verified copy; "processing" until then.
        LiveSession.objects.filter(pk=session_id).update(replay_in_bucket=False)
        jobs.enqueue_on_commit("replay_upload_task", session_id)
    return True


def _replay_ladder(work: Path, *, inputs: list[str]) -> None:
    """The live ladder again for the replay (VIDEO_ABR): each rung lower than the
    source encoded into <work>/<rung>/, and master.m3u8 listing the source copy
    (index.m3u8) and the rungs with their BANDWIDTH and RESOLUTION."""
    source = ladder.probe(str(work / "index.m3u8"))
    listed = (work / "index.m3u8").read_text().splitlines()
    duration = sum(float(x[8:].split(",")[0]) for x in listed if x.startswith("#EXTINF:")) or 1.0
    size = sum(p.stat().st_size for p in work.glob("*.ts"))
    source = dataclasses.replace(source, kbps=max(1, int(size * 8 / duration / 1000)))
    rungs = ladder.rungs_below(ladder.parse_ladder(settings.VIDEO_ABR_LADDER), source)
    if rungs:
        args = ladder.encode_args(inputs=inputs, source=source, rungs=rungs, out=work,
                                  preset=settings.VIDEO_ABR_PRESET, live=False)  # fmt: skip
        subprocess.run(args, check=True, timeout=6 * 3600)  # noqa: S603 - our own files
    ladder.write_master(work, ladder.master_playlist(source, rungs))


def replay_upload(*, session_id: int) -> bool:
    """Copy the replay's files to the bucket, verify each (MD5 sent, S3 checks it;
    the stored ETag compared), mark the replay ready and in the bucket, and only
    then remove the local copy. Restartable: files already verified are skipped, so
    a worker killed mid-upload loses nothing and the retry goes on where it was. A
    bucket that cannot be reached raises (the task retries with backoff); the
    replay stays on disk, "processing". Returns whether the replay is in the bucket."""
    folder = video_root() / "vod" / str(session_id)
    session = LiveSession.objects.filter(pk=session_id).first()
    if session is None or session.replay_in_bucket or not folder.is_dir():
        return bool(session and session.replay_in_bucket)
    replay_storage.upload_folder(folder, prefix=f"vod/{session_id}")
    LiveSession.objects.filter(pk=session_id).update(
        replay_status=LiveSession.Replay.READY, replay_in_bucket=True
    )
    events.send_on_commit(events.KnowledgeChanged(kind="session", object_id=session_id))
    shutil.rmtree(folder)
    # The recordings follow (livestream/recordings.py): MP4 in the bucket, off the disk.
    for recording_id in recordings.recordings_to_upload(session_id=session_id):
        jobs.enqueue_on_commit("recording_upload_task", recording_id)
    return True


def replay_chapters(*, session: LiveSession) -> list[dict]:
    """Each question the host marked answered, at the replay time it was answered.

    Replay time runs only while something was recorded: an answer given while the
    encoder was away (a reconnect gap) is placed at the start of the next part.
    """
    recordings = [
        (r.started_at, r.duration) for r in session.recordings.exclude(key="") if r.duration
    ]
    chapters = []
    answered = RoomQuestion.objects.filter(
        session=session, status=RoomQuestion.Status.ANSWERED, answered_at__isnull=False
    ).order_by("answered_at", "id")
    for question in answered:
        offset = 0.0
        if question.answered_at is None:  # excluded by the query; for the type checker
            continue
        for started_at, duration in recordings:
            into = (question.answered_at - started_at).total_seconds()
            if into <= duration:
                offset += max(0.0, into)
                break
            offset += duration
        else:
            continue  # answered after the last recording ended
        chapters.append({"question": question.pk, "title": question.text,
                         "start": round(offset, 1)})  # fmt: skip
    return chapters


@transaction.atomic
def replay_set_hidden(*, session: LiveSession, user, hidden: bool) -> LiveSession:
    """The creator hides (or shows again) the replay of an ended session."""
    session = (
        LiveSession.objects.select_for_update()
        .select_related("channel__creator")
        .get(pk=session.pk)
    )
    if session.channel.creator.user_id != user.pk:
        raise PermissionDenied("Only the channel's creator can hide its replays.")
    session.replay_hidden = hidden
    session.save(update_fields=["replay_hidden"])
    events.send_on_commit(events.KnowledgeChanged(kind="session", object_id=session.pk))
    return session
