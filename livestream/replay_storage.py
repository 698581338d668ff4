"""Replays in object storage: the video storage's bucket (settings.VIDEO_STORAGE),
when it is an S3-compatible one; None means replays stay under VIDEO_ROOT.

Objects go under <storage location>/vod/<session>/<file>, private. nginx serves them
through the signed path (deploy/nginx-rtmp.conf.template): viewers never get a bucket
URL, and Django never streams video.
"""

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import storages

# Worth a retry: the bucket unreachable, throttling, a timeout, a checksum mismatch.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError, OSError)
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


class UploadNotVerified(OSError):
    """The bucket's copy does not match the local file (retried)."""


def bucket() -> Any | None:
    """The django-storages S3 storage for video, or None (file system)."""
    storage = storages[settings.VIDEO_STORAGE]
    return storage if hasattr(storage, "bucket_name") else None


def object_key(storage: Any, name: str) -> str:
    location = (storage.location or "").strip("/")
    return f"{location}/{name}" if location else name


def _md5(path: Path) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def _stored_etag(client: Any, bucket_name: str, key: str) -> str | None:
    try:
        return client.head_object(Bucket=bucket_name, Key=key)["ETag"].strip('"')
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def upload_folder(folder: Path, *, prefix: str) -> int:
    """Upload every file of `folder` and its rendition folders (the ABR ladder) to
    <prefix>/<relative path>, segments before playlists and the master playlist
    last (a playlist never lists what the bucket lacks). Each object is sent with its
    MD5 (the store refuses a corrupted body) and its ETag compared after; objects
    already there with the same MD5 are skipped. Returns how many were sent."""
    storage = bucket()
    if storage is None:
        raise RuntimeError("no bucket configured for video")
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file()),
        key=lambda p: (p.suffix == ".m3u8", p.name == "master.m3u8", str(p.relative_to(folder))),
    )
    sent = 0
    for path in files:
        name = f"{prefix}/{path.relative_to(folder).as_posix()}"
        sent += upload_file(path, key=name, storage=storage)
    return sent


def upload_file(path: Path, *, key: str, content_type: str = "", storage: Any = None) -> bool:
    """Upload one file to <storage location>/<key> with its MD5 (the store refuses a
    corrupted body) and compare the stored ETag after; skipped (False) if the bucket
    already holds the same bytes. Raises UploadNotVerified on a mismatch. Files over
    VIDEO_UPLOAD_PART_BYTES go in parts (`_upload_in_parts`)."""
    storage = storage or bucket()
    if storage is None:
        raise RuntimeError("no bucket configured for video")
    client = storage.connection.meta.client
    full_key = object_key(storage, key)
    content_type = content_type or CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    part_bytes = settings.VIDEO_UPLOAD_PART_BYTES
    if path.stat().st_size > part_bytes:
        expected = _multipart_etag(path, part_bytes)
        if _stored_etag(client, storage.bucket_name, full_key) == expected:
            return False
        _upload_in_parts(client, storage.bucket_name, full_key, path, part_bytes, content_type)
    else:
        md5 = _md5(path)
        expected = md5.hex()
        if _stored_etag(client, storage.bucket_name, full_key) == expected:
            return False
        with path.open("rb") as body:
            client.put_object(
                Bucket=storage.bucket_name,
                Key=full_key,
                Body=body,
                ContentMD5=base64.b64encode(md5).decode(),
                ContentType=content_type,
            )
    if _stored_etag(client, storage.bucket_name, full_key) != expected:
        raise UploadNotVerified(f"{full_key}: the stored copy does not match")
    return True


def _parts(path: Path, part_bytes: int) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        yield from enumerate(iter(lambda: handle.read(part_bytes), b""), start=1)


def _multipart_etag(path: Path, part_bytes: int) -> str:
    """The ETag S3 gives an object uploaded in parts of `part_bytes`: the MD5 of the
    parts' MD5s, a dash, the number of parts."""
    digests = [
        hashlib.md5(chunk, usedforsecurity=False).digest() for _, chunk in _parts(path, part_bytes)
    ]
    joined = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
    return f"{joined}-{len(digests)}"


def _upload_in_parts(
    client: Any, bucket_name: str, key: str, path: Path, part_bytes: int, content_type: str
) -> None:
    """A multipart upload that picks up where an interrupted one stopped: an upload
    already open for the key keeps every part whose ETag is the local part's MD5, and
    only the missing or different parts are sent (each with its MD5)."""
    open_uploads = client.list_multipart_uploads(Bucket=bucket_name, Prefix=key).get("Uploads", [])
    upload_id = next((u["UploadId"] for u in open_uploads if u["Key"] == key), None)
    stored: dict[int, str] = {}
    if upload_id is None:
        upload_id = client.create_multipart_upload(
            Bucket=bucket_name, Key=key, ContentType=content_type
        )["UploadId"]
    else:
        pages = client.get_paginator("list_parts").paginate(
            Bucket=bucket_name, Key=key, UploadId=upload_id
        )
        stored = {
            p["PartNumber"]: p["ETag"].strip('"') for page in pages for p in page.get("Parts", [])
        }
    done = []
    for number, chunk in _parts(path, part_bytes):
        md5 = hashlib.md5(chunk, usedforsecurity=False)
        if stored.get(number) != md5.hexdigest():
            client.upload_part(
                Bucket=bucket_name, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk,
                ContentMD5=base64.b64encode(md5.digest()).decode(),
            )  # fmt: skip
        done.append({"PartNumber": number, "ETag": f'"{md5.hexdigest()}"'})
    client.complete_multipart_upload(
        Bucket=bucket_name, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
    )


def origin_read_policy(*, bucket_name: str, location: str, origin_ips: list[str]) -> dict:
    """The bucket policy that lets the origin nginx (and nothing else anonymous) read
    replays: GetObject on <location>/vod/* from the origin's addresses. Objects stay
    private (ACL); viewers reach them only through nginx's token check. With a CDN
    in front of the bucket use its origin access control instead (docs/scaling.md)."""
    prefix = f"{location.strip('/')}/vod/*" if location else "vod/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OriginReadsReplays",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket_name}/{prefix}",
                "Condition": {"IpAddress": {"aws:SourceIp": origin_ips}},
            }
        ],
    }


def nginx_bucket_origin() -> str:
    """Where the origin nginx fetches replays that left the disk: the bucket's
    video/ folder over path-style HTTP ("" without a bucket)."""
    storage = bucket()
    if storage is None or not storage.endpoint_url:
        return ""
    base = f"{storage.endpoint_url.rstrip('/')}/{storage.bucket_name}"
    return f"{base}/{object_key(storage, '')}".rstrip("/")
