"""The data export is written as it is read: rows from a database cursor straight
into the zip, the zip encrypted chunk by chunk. Its memory stays about the same
whatever the export's size (figures printed; run with -s to see them)."""

import io
import json
import tracemalloc
import zipfile

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import DataExport
from accounts.services.exports import data_export_build, export_storage
from core.fields import CHUNK_MAGIC, CHUNK_SIZE
from recommend.models import Event
from tests.factories import UserFactory


def _user_with_events(n):
    user = UserFactory()
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(user=user, kind="view", item_kind="course", item_id=i,
                  variant="blend", city="Shanghai, CN", device="mobile",
                  referrer="search", created_at=now)
            for i in range(n)
        ],
        batch_size=5000,
    )  # fmt: skip
    return user


def _export_peak(user):
    export = DataExport.objects.create(user=user)
    tracemalloc.start()
    try:
        built = data_export_build(export_id=export.pk)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert built is not None and built.status == DataExport.Status.READY
    return built, peak


def test_export_memory_stays_bounded_as_the_export_grows(db):
    _export_peak(_user_with_events(10))  # warm: imports, templates, translations
    figures = []
    for n in (2_000, 40_000):
        export, peak = _export_peak(_user_with_events(n))
        with export_storage.open(export.file) as handle:
            archive = zipfile.ZipFile(io.BytesIO(handle.read()))  # the download, whole
        events = json.loads(archive.read("behaviour_events.json"))
        assert len(events) == n and events[0]["city"] == "Shanghai, CN"
        figures.append((n, export.size, peak))
    (small_n, small_size, small_peak), (big_n, big_size, big_peak) = figures
    for n, size, peak in figures:
        print(
            f"export of {n:>6} events: zip {size / 1024:8.0f} KiB, "
            f"peak traced {peak / 1024:8.0f} KiB"
        )
    print(
        f"rows x{big_n / small_n:.0f}, zip x{big_size / small_size:.1f}, "
        f"peak memory x{big_peak / small_peak:.2f}"
    )
    # Twenty times the rows: the zip grows with them, the memory does not (held
    # whole, the rows alone would take several MiB more).
    assert big_size > 5 * small_size
    assert big_peak < 2 * small_peak + 2 * CHUNK_SIZE


def test_chunked_encryption_round_trips_and_is_not_plain(db):
    data = b"".join(i.to_bytes(4, "big") for i in range(700_000))  # 2.7 MB: three chunks
    name = export_storage.save("exports/test/chunks.bin", ContentFile(data))
    with export_storage.target.open(name, "rb") as raw:
        sealed = raw.read()
    assert sealed.startswith(CHUNK_MAGIC) and data[:64] not in sealed
    with export_storage.open(name) as handle:
        assert handle.read() == data
    # A file written whole by the older storage still opens.
    old = export_storage.target.save("exports/test/old.bin", ContentFile(_whole(b"old export")))
    with export_storage.open(old) as handle:
        assert handle.read() == b"old export"


def _whole(data):
    from core import crypto  # the older whole-file format, written as it was

    return crypto.encrypt_bytes(data)
