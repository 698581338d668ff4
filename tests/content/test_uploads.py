"""Uploads: images verified by Pillow, attachments by magic bytes; oversized files,
disguised types and path tricks refused with a message and nothing stored."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from content import services
from content.models import Asset
from tests.content.conftest import PDF, pdf_upload, png_bytes, png_upload


@pytest.fixture
def lesson(alice, course):
    return services.lesson_create(user=alice.user, course=course, title="Files", body="x")


def _stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_image_is_stored_publicly_under_a_random_name(alice, lesson, _media_dirs):
    asset = services.asset_upload(user=alice.user, item=lesson, upload=png_upload(), kind="image")
    assert asset.content_type == "image/png" and asset.name == "pic.png"
    assert asset.image.url.startswith("/media/content/img/") and "pic" not in asset.image.url
    assert len(_stored_files(_media_dirs / "public")) == 1


def test_images_are_served_with_debug_off_and_nothing_else_under_media_is(
    alice, lesson, _media_dirs, client, settings
):
    assert not settings.DEBUG
    asset = services.asset_upload(user=alice.user, item=lesson, upload=png_upload(), kind="image")
    response = client.get(asset.image.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    (_media_dirs / "public" / "secret.txt").write_text("not an image")
    assert client.get("/media/secret.txt").status_code == 404
    assert client.get("/media/content/img/../../secret.txt").status_code == 404
    assert client.get("/media/content/img/%2e%2e/%2e%2e/secret.txt").status_code == 404


def test_pptx_and_audio_are_recognised_by_content(alice, lesson):
    pptx = io.BytesIO()
    with zipfile.ZipFile(pptx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("ppt/presentation.xml", "<p/>")
    cases = [
        ("slides.pptx", pptx.getvalue(), "presentationml"),
        ("talk.mp3", b"ID3\x03\x00" + b"\x00" * 64, "audio/mpeg"),
        ("talk.ogg", b"OggS" + b"\x00" * 64, "audio/ogg"),
        ("talk.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64, "audio/mp4"),
    ]
    for name, data, expected in cases:
        asset = services.asset_upload(
            user=alice.user, item=lesson, upload=SimpleUploadedFile(name, data), kind="attachment"
        )
        assert expected in asset.content_type


BAD = [
    ("html as png", "image", "evil.png", b"<html><script>alert(1)</script></html>", "not an image"),
    (
        "svg as png",
        "image",
        "evil.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "not an image",
    ),
    ("html as pdf", "attachment", "evil.pdf", b"<html><script>x</script>", "not accepted"),
    ("svg as pdf", "attachment", "evil.pdf", b"<svg onload=alert(1)>", "not accepted"),
    ("exe as mp3", "attachment", "song.mp3", b"MZ\x90\x00" + b"\x00" * 64, "not accepted"),
    ("path traversal", "attachment", "../../etc/passwd", PDF, "not allowed"),
    ("NUL in name", "attachment", "notes\x00.pdf", PDF, "not allowed"),
    ("very long name", "attachment", "a" * 300 + ".pdf", PDF, "too long"),
    ("empty", "attachment", "empty.pdf", b"", "empty"),
]


@pytest.mark.parametrize("label,kind,name,data,message", BAD, ids=[b[0] for b in BAD])
def test_bad_upload_is_refused_and_nothing_stored(
    alice, lesson, _media_dirs, label, kind, name, data, message
):
    upload = SimpleUploadedFile("x", data)
    upload._name = name  # skip UploadedFile's own cleaning: the raw multipart name
    with pytest.raises(ValidationError) as exc:
        services.asset_upload(user=alice.user, item=lesson, upload=upload, kind=kind)
    assert message in " ".join(exc.value.messages)
    assert Asset.objects.count() == 0
    assert _stored_files(_media_dirs) == []


def test_oversized_files_are_refused(alice, lesson, settings, _media_dirs):
    settings.CONTENT_ATTACHMENT_MAX_BYTES = 100
    settings.CONTENT_IMAGE_MAX_BYTES = 50
    with pytest.raises(ValidationError, match="too large"):
        services.asset_upload(
            user=alice.user,
            item=lesson,
            upload=pdf_upload(data=PDF + b"x" * 200),
            kind="attachment",
        )
    with pytest.raises(ValidationError, match="too large"):
        services.asset_upload(
            user=alice.user,
            item=lesson,
            upload=SimpleUploadedFile("big.png", png_bytes((64, 64))),
            kind="image",
        )
    assert Asset.objects.count() == 0 and _stored_files(_media_dirs) == []


def test_upload_page_refuses_with_a_message_never_a_500(client, alice, lesson):
    client.force_login(alice.user)
    url = f"/studio/content/lesson/{lesson.pk}/upload/"
    response = client.post(
        url,
        {"kind": "image", "file": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>")},
        follow=True,
    )
    assert response.status_code == 200
    assert "Upload refused" in response.content.decode()
    response = client.post(url, {"kind": "attachment"}, follow=True)
    assert response.status_code == 200 and "Upload refused" in response.content.decode()
    assert Asset.objects.count() == 0
