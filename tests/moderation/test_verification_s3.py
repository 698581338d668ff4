"""Verification documents in object storage: a real S3-compatible server (moto in
server mode, tests/s3.py). A document goes to the bucket's private folder encrypted
(core.fields.EncryptedStorage), and comes back whole to a moderator only."""

import pytest

from moderation.models import ExpertVerification, VerificationDocument
from tests.moderation.test_verification import apply, png_bytes, upload
from tests.s3 import bucket_keys, fetch, s3, s3_server  # noqa: F401 - the S3 fixtures

pytestmark = pytest.mark.django_db

DIPLOMA = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


def test_documents_round_trip_through_the_private_bucket_encrypted(s3, client, alice, moderator):  # noqa: F811
    client.force_login(alice.user)
    response = apply(client, upload("diploma.pdf", DIPLOMA, "application/pdf"),
                     upload("badge.png", png_bytes(), "image/png"))  # fmt: skip
    assert response.status_code == 302
    documents = {d.content_type: d for d in VerificationDocument.objects.all()}
    keys = bucket_keys(s3)
    assert sorted(keys) == sorted(f"private/{d.file.name}" for d in documents.values())
    stored = s3["client"].get_object(Bucket=s3["bucket"], Key=keys[0])["Body"].read()
    assert b"PDF" not in stored and b"PNG" not in stored  # encrypted at rest
    # Not readable from the bucket without credentials.
    endpoint = f"{s3['endpoint']}/{s3['bucket']}/{keys[0]}"
    assert fetch(endpoint)[0] == 403

    url = f"/moderation/verification-documents/{documents['application/pdf'].pk}/"
    assert client.get(url).status_code == 403  # not even the applicant
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DIPLOMA
    png = client.get(f"/moderation/verification-documents/{documents['image/png'].pk}/")
    assert b"".join(png.streaming_content) == png_bytes()


def test_a_refused_document_never_reaches_the_bucket(s3, client, alice, settings):  # noqa: F811
    settings.MODERATION_VERIFICATION_MAX_BYTES = 1024
    client.force_login(alice.user)
    too_big = apply(client, upload("big.pdf", b"%PDF-1.7\n" + b"0" * 2000, "application/pdf"))
    wrong = apply(client, upload("photo.png", b"<html><script></script></html>", "image/png"))
    assert too_big.status_code == wrong.status_code == 400
    assert not ExpertVerification.objects.exists()
    assert bucket_keys(s3) == []
