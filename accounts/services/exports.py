"""Data exports (GDPR Art. 15 and 20, PIPL Art. 45): a zip of one JSON file per kind
of personal data every app registered (accounts.personal_data) plus the person's
uploaded files, built by a Celery job, downloadable by that user for
PRIVACY_EXPORT_VALID_DAYS.

One export runs per user (a partial unique constraint); asking again returns the
running one. The job reports progress and a heartbeat as it goes; a job that died
(worker killed, heartbeat silent) is started again by the beat job
`data_exports_resume`, and a job that raised is retried up to EXPORT_MAX_ATTEMPTS.
"""

import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from typing import IO, Any

from celery import Signature, current_app
from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import personal_data
from accounts.models import DataExport, User
from accounts.services import email_send_on_commit, in_language_of
from core.fields import ChunkedEncryptedStorage

logger = logging.getLogger(__name__)

EXPORT_MAX_ATTEMPTS = 3
COPY_CHUNK = 1024 * 1024  # uploaded files go into the zip this much at a time
OPEN = (DataExport.Status.QUEUED, DataExport.Status.RUNNING)
# The zip holds every document the person uploaded, decrypted: it is encrypted again
# at rest, like the documents themselves.
export_storage = ChunkedEncryptedStorage("private")


def data_export_request(*, user: User) -> DataExport:
    """Start an export of `user`'s data, or return the one already under way."""
    with transaction.atomic():
        running = DataExport.objects.filter(user=user, status__in=OPEN).first()
        if running is not None:
            return running
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user)
        except IntegrityError:  # a second click won the race: that one runs
            return DataExport.objects.get(user=user, status__in=OPEN)
        transaction.on_commit(_build_signature(export.pk).apply_async)
    return export


def _build_signature(export_id: int) -> Signature:
    """The build job, by name: accounts.tasks imports these services."""
    return current_app.signature("accounts.tasks.data_export_build_task", args=(export_id,))


def _claim(export_id: int) -> DataExport | None:
    """Mark the export running for this worker, unless it is finished or another
    worker is alive on it (heartbeat fresher than PRIVACY_EXPORT_STALE_SECONDS)."""
    stale = timezone.now() - timedelta(seconds=settings.PRIVACY_EXPORT_STALE_SECONDS)
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status not in OPEN:
            return None
        if export.status == DataExport.Status.RUNNING and (
            export.heartbeat_at is not None and export.heartbeat_at > stale
        ):
            return None
        export.status = DataExport.Status.RUNNING
        export.attempts += 1
        export.progress = 0
        export.heartbeat_at = timezone.now()
        export.save(update_fields=["status", "attempts", "progress", "heartbeat_at"])
        return export


def _beat(export_id: int, progress: int) -> None:
    DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
        progress=progress, heartbeat_at=timezone.now()
    )


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the zip (the Celery job's body). Returns the export, or None if there was
    nothing to do (finished, or another worker is on it)."""
    export = _claim(export_id)
    if export is None:
        return None
    try:
        name, size = _zip_write(export)
    except Exception as error:
        logger.exception("accounts: export %s failed", export_id)
        failed = export.attempts >= EXPORT_MAX_ATTEMPTS
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED if failed else DataExport.Status.QUEUED,
            error=str(error)[:300],
            heartbeat_at=None,
        )
        if not failed:
            raise  # the task retries
        return None
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(pk=export_id)
        export.status = DataExport.Status.READY
        export.file, export.size, export.progress = name, size, 100
        export.finished_at = timezone.now()
        export.expires_at = export.finished_at + timedelta(days=settings.PRIVACY_EXPORT_VALID_DAYS)
        export.save()
        _ready_email(export)
    return export


def _zip_write(export: DataExport) -> tuple[str, int]:
    user = export.user
    kinds = personal_data.kinds()
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", _readme(user, [kind.name for kind in kinds]))
            for done, kind in enumerate(kinds, start=1):
                with archive.open(f"{kind.name}.json", "w", force_zip64=True) as entry:
                    _json_rows_write(entry, kind.export(user))
                for arcname, field_file in kind.files(user) if kind.files else ():
                    target = f"files/{kind.name}/{arcname}"
                    try:
                        with (
                            field_file.open("rb") as source,
                            archive.open(target, "w", force_zip64=True) as entry,
                        ):
                            shutil.copyfileobj(source, entry, COPY_CHUNK)
                    except (OSError, ValueError):  # gone from storage: say so, go on
                        archive.writestr(f"{target}.missing.txt", "")
                _beat(export.pk, min(95, done * 100 // (len(kinds) + 1)))
        size = handle.tell()
        handle.seek(0)
        name = export_storage.save(
            f"exports/{user.pk}/{secrets.token_hex(16)}.zip", File(handle, name="export.zip")
        )
    return name, size


def _json_rows_write(entry: IO[bytes], rows: Iterable[Any]) -> None:
    """A JSON array written one row (one line) at a time: the rows come from a
    database cursor (personal_data.rows), so no kind is ever held whole."""
    entry.write(b"[")
    for n, row in enumerate(rows):
        line = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
        entry.write((",\n" if n else "\n").encode() + line.encode())
    entry.write(b"\n]\n")


def _readme(user: User, names: list[str]) -> str:
    return (
        f"Zhiliao data export for user #{user.pk}, made {timezone.now().isoformat()}.\n"
        "One JSON file per kind of record (UTF-8; times in UTC, ISO 8601; money in minor\n"
        "units with its currency); files/ holds what you uploaded.\n\n" + "\n".join(names) + "\n"
    )


def _ready_email(export: DataExport) -> None:
    user = export.user
    url = settings.SITE_URL.rstrip("/") + reverse("accounts:export_download", args=[export.pk])
    with in_language_of(user):
        message = EmailMessage(
            subject=_("Your data export is ready"),
            body=_(
                "The copy of your data you asked for is ready. Download it while signed "
                "in, within %(days)s days:\n\n%(url)s\n"
            )
            % {"days": settings.PRIVACY_EXPORT_VALID_DAYS, "url": url},
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
    email_send_on_commit(message=message)


def data_exports_resume() -> list[int]:
    """Queue again every export that should be running and is not: queued for more
    than a minute (a lost message) or running with a silent heartbeat (a dead worker).
    Returns their ids."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PRIVACY_EXPORT_STALE_SECONDS)
    ids = list(
        DataExport.objects.filter(
            Q(status=DataExport.Status.QUEUED, created_at__lt=now - timedelta(minutes=1))
            | Q(status=DataExport.Status.RUNNING, heartbeat_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    for export_id in ids:
        _build_signature(export_id).apply_async()
    return ids


def data_exports_expire() -> int:
    """Delete the files of exports past their seven days."""
    expired = 0
    for export in DataExport.objects.filter(
        status=DataExport.Status.READY, expires_at__lte=timezone.now()
    ):
        if export.file:
            export_storage.delete(export.file)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.EXPIRED, file="")
        expired += 1
    return expired
