import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from content import services
from content.models import Access
from tests.factories import CourseFactory, TierFactory, UserFactory
from tests.s3 import s3, s3_server  # noqa: F401 - the S3 server's fixtures

LONG_BODY = "Free intro paragraph.\n\n<!-- more -->\n\nThe secret paid paragraph.\n"


@pytest.fixture(autouse=True)
def _media_dirs(settings, tmp_path):
    """Uploads land in this test's own folders (public and private)."""
    settings.MEDIA_ROOT = str(tmp_path / "public")
    settings.CONTENT_PRIVATE_ROOT = str(tmp_path / "private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public")},
        },
        "content_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Python Deep Dive", slug="python-deep")


@pytest.fixture
def tier(alice_channel):
    return TierFactory(channel=alice_channel, name="Gold", price_amount=5000)


@pytest.fixture
def paid_lesson(alice, course):
    lesson = services.lesson_create(
        user=alice.user,
        course=course,
        title="Generators",
        summary="",
        body=LONG_BODY,
        access=Access.TICKET,
    )
    return services.item_publish(user=alice.user, item=lesson)


@pytest.fixture
def dave(db):
    """A learner with no ticket and no subscription."""
    return UserFactory(email="dave@example.com", display_name="Dave")


def png_bytes(size=(4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def png_upload(name="pic.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="notes.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")
