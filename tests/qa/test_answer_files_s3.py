"""Answer files in object storage: a real S3-compatible server (moto in server mode,
tests/s3.py). The attachment and the audio go to the bucket's private folder and
reach the answer's readers only by short-lived presigned URLs, never through Django."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qa import services
from tests.qa.conftest import ask, fund
from tests.s3 import bucket_keys, fetch, s3, s3_server  # noqa: F401 - the S3 fixtures

pytestmark = pytest.mark.django_db

NOTES = b"%PDF-1.4 paid notes"
VOICE = b"ID3" + b"\x00" * 64


def test_answer_files_round_trip_through_the_private_bucket(s3, client, asker, expert, charlie):  # noqa: F811
    question = ask(asker, expert)
    services.answer_submit(
        expert=expert, question_id=question.pk, text="See the notes.",
        attachment=SimpleUploadedFile("my-notes.pdf", NOTES),
        audio=SimpleUploadedFile("voice.mp3", VOICE),
    )  # fmt: skip
    answer = question.answer
    answer.refresh_from_db()
    keys = bucket_keys(s3)
    assert sorted(keys) == sorted([f"private/{answer.attachment.name}",
                                   f"private/{answer.audio.name}"])  # fmt: skip
    assert all("my-notes" not in k and "voice" not in k for k in keys)  # random names

    attachment_url = reverse("qa:answer_file", args=[question.pk, "attachment"])
    client.force_login(charlie.user)  # has not unlocked it
    assert client.get(attachment_url).status_code == 404
    client.force_login(asker)
    for kind, body in (("attachment", NOTES), ("audio", VOICE)):
        response = client.get(reverse("qa:answer_file", args=[question.pk, kind]))
        assert response.status_code == 302  # a presigned URL, not the bytes
        url = response["Location"]
        expires = int(parse_qs(urlsplit(url).query)["Expires"][0])
        assert 0 < expires - time.time() <= 61
        assert fetch(url) == (200, body)
        assert fetch(url.split("?")[0])[0] == 403  # private without the signature

    fund(charlie.user, 500)
    client.force_login(charlie.user)
    client.post(reverse("qa:unlock", args=[question.pk]))
    response = client.get(attachment_url)
    assert response.status_code == 302 and fetch(response["Location"]) == (200, NOTES)


def test_a_refused_answer_file_never_reaches_the_bucket(s3, asker, expert):  # noqa: F811
    question = ask(asker, expert)
    with pytest.raises(ValidationError):
        services.answer_submit(
            expert=expert, question_id=question.pk, text="Run this.",
            attachment=SimpleUploadedFile("run.exe", b"MZ"),
        )  # fmt: skip
    assert bucket_keys(s3) == []
