"""Creators apply to be verified experts with checked documents; moderators decide."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from moderation.models import ExpertVerification, ModerationAction, VerificationDocument
from moderation.selectors import expert_is_verified

URL = "/studio/verification/"


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def apply(client, *files, credentials="PhD in CS, 10 years at a database company"):
    return client.post(URL, {"credentials": credentials, "documents": list(files)})


def test_a_creator_applies_with_pdf_and_png(client, alice):
    client.force_login(alice.user)
    assert client.get(URL).status_code == 200
    response = apply(
        client,
        upload("diploma.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
        upload("badge.png", png_bytes(), "image/png"),
    )
    assert response.status_code == 302
    verification = ExpertVerification.objects.get(user=alice.user)
    assert verification.status == "pending"
    assert sorted(VerificationDocument.objects.values_list("content_type", flat=True)) == [
        "application/pdf", "image/png"]  # fmt: skip
    assert not expert_is_verified(alice.user)


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/png"),
        ("cv.pdf", b"MZ\x90\x00 an executable", "application/pdf"),
        ("scan.jpg", b"\x89PNG\r\n\x1a\n but named jpg", "image/jpeg"),
        ("notes.txt", b"%PDF-1.4 but a .txt name", "text/plain"),
    ],
)
def test_documents_are_checked_by_content_not_name(client, alice, name, content, claimed):
    client.force_login(alice.user)
    response = apply(client, upload(name, content, claimed))
    assert response.status_code == 400
    assert "is not a PDF, PNG or JPEG file" in response.content.decode()
    assert not ExpertVerification.objects.exists()
    assert not VerificationDocument.objects.exists()


def test_documents_over_the_size_limit_are_refused(client, alice, settings):
    settings.MODERATION_VERIFICATION_MAX_BYTES = 1024
    client.force_login(alice.user)
    response = apply(client, upload("big.pdf", b"%PDF-1.7\n" + b"0" * 2000, "application/pdf"))
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ExpertVerification.objects.exists()


def test_learners_must_become_creators_first(client, bob):
    client.force_login(bob)
    response = apply(client)
    assert "Become a creator first" in response.content.decode()
    assert not ExpertVerification.objects.exists()


def test_one_pending_application_at_a_time(client, alice):
    client.force_login(alice.user)
    apply(client)
    response = apply(client)
    assert "already waiting" in response.content.decode()
    assert ExpertVerification.objects.count() == 1


def test_a_moderator_approves_and_the_badge_shows(
    client, alice, moderator, django_capture_on_commit_callbacks
):
    client.force_login(alice.user)
    apply(client)
    verification = ExpertVerification.objects.get()
    client.force_login(moderator)
    assert (
        client.get(f"/admin/moderation/expertverification/{verification.pk}/change/").status_code
        == 200
    )
    # The badge is marketplace's: it hears the decision once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/moderation/expertverification/",
            {"action": "approve_selected", "_selected_action": [verification.pk]},
            follow=True,
        )
    assert "1 item decided." in response.content.decode()
    assert expert_is_verified(alice.user)
    assert ModerationAction.objects.filter(kind="verify_approve", actor=moderator).exists()
    page = client.get(f"/creators/{alice.slug}/")
    assert 'class="verified"' in page.content.decode()  # the badge on the creator page


def test_a_moderator_rejects_with_a_reason(client, alice, moderator):
    client.force_login(alice.user)
    apply(client)
    verification = ExpertVerification.objects.get()
    client.force_login(moderator)
    client.post(
        "/admin/moderation/expertverification/",
        {"action": "reject_selected", "_selected_action": [verification.pk], "apply": "1",
         "reason": "The diploma is unreadable"},
    )  # fmt: skip
    verification.refresh_from_db()
    assert verification.status == "rejected"
    assert not expert_is_verified(alice.user)
    client.force_login(alice.user)
    assert "The diploma is unreadable" in client.get(URL).content.decode()


def test_documents_are_private_and_only_moderators_download_them(client, alice, moderator):
    from django.conf import settings

    client.force_login(alice.user)
    apply(client, upload("diploma.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf"))
    document = VerificationDocument.objects.get()
    assert not document.file.path.startswith(str(settings.MEDIA_ROOT))
    url = f"/moderation/verification-documents/{document.pk}/"
    assert client.get(url).status_code == 403  # not even the applicant
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.7")
    assert "attachment" in response["Content-Disposition"]


def test_a_document_missing_from_storage_is_a_404_not_a_crash(client, alice, moderator):
    client.force_login(alice.user)
    apply(client, upload("diploma.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf"))
    document = VerificationDocument.objects.get()
    document.file.storage.delete(document.file.name)
    client.force_login(moderator)
    response = client.get(f"/moderation/verification-documents/{document.pk}/")
    assert response.status_code == 404
