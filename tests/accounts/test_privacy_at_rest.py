"""Encryption at rest (and key rotation), retention windows, staff access on the
audit trail."""

import io
from datetime import timedelta

from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import DataExport, LoginSession, Notification
from accounts.services import login_session_record
from accounts.services.exports import export_storage
from accounts.services.retention import retention_run
from core import crypto
from livestream import services as live
from livestream.models import RoomEvent
from livestream.personal_data import chat_ips_clear
from moderation import services as moderation
from moderation.models import ModerationAction, VerificationDocument
from tests.factories import LiveSessionFactory, UserFactory

IP = "198.51.100.23"
PDF = b"%PDF-1.4\n% a diploma\n"


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _login(user, ip=IP):
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.session = SessionStore()
    login_session_record(None, request, user)
    return LoginSession.objects.get(session_key=request.session.session_key)


def _apply(creator):
    return moderation.verification_apply(
        user=creator.user,
        credentials="Licensed physician, registration no. 12345",
        documents=[SimpleUploadedFile("diploma.pdf", PDF)],
    )


def test_ips_credentials_and_documents_are_encrypted_at_rest(bob, alice):
    session = _login(bob)
    assert session.ip == IP
    stored = _raw("accounts_loginsession", "ip", session.pk)
    assert IP not in stored and crypto.decrypt_text(stored) == IP
    application = _apply(alice)
    stored = _raw("moderation_expertverification", "credentials", application.pk)
    assert "physician" not in stored
    document = application.documents.get()
    assert "diploma" not in document.file.name  # the uploader's name is metadata too
    assert document.original_name == "diploma.pdf" and document.content_type == "application/pdf"
    with document.file.storage.target.open(document.file.name, "rb") as handle:
        assert PDF not in handle.read()  # on disk: a Fernet token
    with document.file.open("rb") as handle:
        assert handle.read() == PDF


def test_rotation_reencrypts_everything_under_the_new_key(bob, alice, settings):
    session = _login(bob)
    document = _apply(alice).documents.get()
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert LoginSession.objects.get(pk=session.pk).ip == IP  # old key still decrypts
    out = io.StringIO()
    call_command("encryption_rotate", stdout=out)
    assert "accounts.LoginSession.ip: 1 re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert LoginSession.objects.get(pk=session.pk).ip == IP
    document = VerificationDocument.objects.get(pk=document.pk)
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    token = _raw("accounts_loginsession", "ip", session.pk)
    assert Fernet(new_key.encode()).decrypt(token.encode()) == IP.encode()


def test_retention_clears_old_ips_notifications_and_exports(bob, alice_channel):
    old = timezone.now() - timedelta(days=91)
    recent = _login(bob)
    stale = _login(bob, ip="192.0.2.1")
    LoginSession.objects.filter(pk=stale.pk).update(created_at=old)
    room = LiveSessionFactory(channel=alice_channel)
    chat_old = live.chat_post(session=room, user=alice_channel.creator.user, text="hi", ip=IP)
    chat_new = live.chat_post(session=room, user=alice_channel.creator.user, text="yo", ip=IP)
    RoomEvent.objects.filter(pk=chat_old.pk).update(created_at=old)
    Notification.objects.create(user=bob, key="old", text="a year ago")
    Notification.objects.create(user=bob, key="new", text="today")
    Notification.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=366))
    name = export_storage.save("exports/test.zip", SimpleUploadedFile("x.zip", b"zip"))
    export = DataExport.objects.create(
        user=bob, status=DataExport.Status.READY, file=name, expires_at=timezone.now()
    )

    counts = retention_run()
    assert chat_ips_clear() == 1
    assert counts == {"login_ips_cleared": 1, "notifications_deleted": 1, "exports_expired": 1}
    assert LoginSession.objects.get(pk=stale.pk).ip == ""
    assert LoginSession.objects.get(pk=recent.pk).ip == IP
    assert RoomEvent.objects.get(pk=chat_old.pk).ip == ""
    assert RoomEvent.objects.get(pk=chat_new.pk).ip == IP
    assert list(Notification.objects.values_list("key", flat=True)) == ["new"]
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and not export_storage.exists(name)


def test_staff_access_to_personal_data_is_on_the_audit_trail(
    client, alice, bob, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    from moderation.permissions import MODERATORS_GROUP

    staff = UserFactory(email="mod@example.com", is_staff=True, is_superuser=True)
    staff.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    document = _apply(alice).documents.get()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(reverse("admin:accounts_user_change", args=[bob.pk])).status_code == 200
        response = client.get(reverse("moderation:verification_document", args=[document.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    trail = ModerationAction.objects.filter(kind=ModerationAction.Kind.DATA_VIEWED, actor=staff)
    assert {(row.target_user_id, row.reason) for row in trail} == {
        (bob.pk, "admin user page"),
        (alice.user.pk, f"verification document #{document.pk}"),
    }
