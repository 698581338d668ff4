"""Uploaded files in object storage: a real S3-compatible server (moto in server
mode, tests/s3.py). Private files leave by short-lived presigned URLs; refused uploads
never reach the bucket."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from content import services
from tests.content.conftest import PDF
from tests.s3 import bucket_keys, fetch

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(alice, course):
    return services.lesson_create(user=alice.user, course=course, title="Files", body="x")


def test_attachments_go_to_the_private_bucket_and_download_by_presigned_url(
    s3, alice, lesson, client
):
    asset = services.asset_upload(
        user=alice.user, item=lesson, upload=SimpleUploadedFile("notes.pdf", PDF),
        kind="attachment",
    )  # fmt: skip
    keys = bucket_keys(s3)
    assert len(keys) == 1 and keys[0].startswith("private/")
    client.force_login(alice.user)
    response = client.get(asset.get_absolute_url())
    # Never streamed through Django: a presigned URL that expires in a minute.
    assert response.status_code == 302
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert "Signature" in query
    assert 0 < int(query["Expires"][0]) - time.time() <= 61
    assert fetch(url) == (200, PDF)
    # Without the signature, the bucket refuses.
    assert fetch(url.split("?")[0])[0] == 403


def test_images_go_to_the_bucket_publicly(s3, alice, lesson):
    from tests.content.conftest import png_upload

    upload = png_upload()
    asset = services.asset_upload(user=alice.user, item=lesson, upload=upload, kind="image")
    assert bucket_keys(s3) == [asset.image.name]
    assert asset.image.url.startswith(s3["endpoint"]) and "Signature" not in asset.image.url
    # The round trip: anyone reads the stored image back at its public URL.
    upload.seek(0)
    assert fetch(asset.image.url) == (200, upload.read())


@pytest.mark.parametrize(
    "name,data", [("evil.pdf", b"<html>x</html>"), ("big.pdf", PDF + b"x" * 300)],
    ids=["wrong type", "too large"],
)  # fmt: skip
def test_a_wrong_type_or_oversized_upload_never_reaches_the_bucket(
    s3, alice, lesson, settings, name, data
):
    settings.CONTENT_ATTACHMENT_MAX_BYTES = 200
    with pytest.raises(ValidationError):
        services.asset_upload(user=alice.user, item=lesson,
                              upload=SimpleUploadedFile(name, data), kind="attachment")  # fmt: skip
    assert bucket_keys(s3) == []
