"""The picture API: PUT a multipart file to a channel's, course's, session's or the
user's own picture endpoint, DELETE to go back to the placeholder; the same Pillow
checks as the pages, with a 422 naming the field when a file is refused, and the
endpoints in the OpenAPI schema."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from core.pictures import SHAPES
from tests.core.test_pictures import photo, stored
from tests.factories import CourseFactory, LiveSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(media_in_tmp):
    return media_in_tmp


@pytest.fixture
def api():
    return APIClient()


def _put(api, url, upload):
    return api.put(url, {"picture": upload}, format="multipart")


def test_creator_puts_a_channel_cover_gets_its_sizes_and_deletes_it(
    api, alice, alice_channel, media, django_capture_on_commit_callbacks
):
    api.force_authenticate(alice.user)
    url = reverse("api_studio_channel_picture", kwargs={"slug": alice_channel.slug})
    assert api.get(url).json() == {"has_picture": False, "wide": "", "card": "", "thumb": ""}

    response = _put(api, url, photo("cover.png", size=(1200, 700), fmt="PNG"))

    assert response.status_code == 200, response.content
    body = response.json()
    alice_channel.refresh_from_db()
    folder = Path(alice_channel.cover.name).parent
    assert body == {
        "has_picture": True,
        **{name: f"/media/{folder}/{name}.jpg" for name in SHAPES["cover"]},
    }
    with Image.open(media / folder / "card.jpg") as card:
        assert card.size == (480, 270) and card.format == "JPEG" and not card.getexif()

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(url).status_code == 204
    alice_channel.refresh_from_db()
    assert not alice_channel.cover and stored(media) == []


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("notes.png", b"just some text, not a picture\n"), "not a picture"),
        (photo("huge.png", size=(2100, 2100), fmt="PNG"), "too many pixels"),
        (SimpleUploadedFile("empty.jpg", b""), "empty"),
    ],
    ids=["text named png", "too many pixels", "empty"],
)
def test_a_refused_file_is_a_422_naming_the_field_and_nothing_changes(
    api, alice, alice_channel, media, settings, upload, message
):
    settings.CONTENT_IMAGE_MAX_PIXELS = 2000 * 2000
    api.force_authenticate(alice.user)
    url = reverse("api_studio_channel_picture", kwargs={"slug": alice_channel.slug})
    _put(api, url, photo())
    alice_channel.refresh_from_db()
    before, files = alice_channel.cover.name, stored(media)

    response = _put(api, url, upload)

    assert response.status_code == 422
    errors = response.json()
    assert list(errors) == ["picture"] and message in errors["picture"][0]
    alice_channel.refresh_from_db()
    assert alice_channel.cover.name == before and stored(media) == files


def test_a_put_without_a_file_says_how_to_send_one(api, alice, alice_channel):
    api.force_authenticate(alice.user)
    url = reverse("api_studio_channel_picture", kwargs={"slug": alice_channel.slug})
    response = api.put(url, {"title": "no file"}, format="multipart")
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["picture"][0]


def test_course_and_session_covers_and_the_avatar_by_api(api, alice, alice_channel, bob, media):
    course = CourseFactory(channel=alice_channel)
    session = LiveSessionFactory(channel=alice_channel)
    api.force_authenticate(alice.user)
    for url in (
        reverse("api_studio_course_picture", kwargs={"slug": course.slug}),
        reverse("api_studio_session_picture", kwargs={"pk": session.pk}),
    ):
        assert _put(api, url, photo()).json()["has_picture"] is True
    course.refresh_from_db()
    session.refresh_from_db()
    assert course.cover and session.cover

    api.force_authenticate(bob)
    avatar = _put(api, reverse("api_avatar"), photo("me.jpg", size=(300, 300)))
    assert avatar.status_code == 200 and set(avatar.json()) == {"has_picture", "large", "small"}
    bob.refresh_from_db()
    with Image.open(media / bob.avatar.name) as large:
        assert large.size == (256, 256)


def test_someone_elses_pictures_are_404_and_visitors_401_or_403(
    api, alice_channel, charlie, bob, media
):
    session = LiveSessionFactory(channel=alice_channel)
    urls = [
        reverse("api_studio_channel_picture", kwargs={"slug": alice_channel.slug}),
        reverse("api_studio_session_picture", kwargs={"pk": session.pk}),
    ]
    api.force_authenticate(charlie.user)
    for url in urls:
        assert _put(api, url, photo()).status_code == 404
        assert api.delete(url).status_code == 404
    api.force_authenticate(None)
    for url in [*urls, reverse("api_avatar")]:
        assert _put(api, url, photo()).status_code in (401, 403)
    assert stored(media) == []


def test_the_picture_endpoints_are_in_the_openapi_schema(api):
    schema = api.get(reverse("api_schema"), {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/studio/channels/{slug}/picture/",
        "/api/v1/studio/courses/{slug}/picture/",
        "/api/v1/studio/sessions/{id}/picture/",
        "/api/v1/profile/avatar/",
    ):
        assert {"get", "put", "delete"} <= set(paths[path]), path
    # Each endpoint declares its own sizes (an avatar has no 16:9 "wide").
    for path, sizes in (
        ("/api/v1/profile/avatar/", {"large", "small"}),
        ("/api/v1/studio/channels/{slug}/picture/", {"wide", "card", "thumb"}),
    ):
        ref = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        declared = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
        assert set(declared["properties"]) == {"has_picture", *sizes}, path
    put = paths["/api/v1/profile/avatar/"]["put"]
    assert "multipart/form-data" in put["requestBody"]["content"]
    assert {"200", "400", "422"} <= set(put["responses"])


def test_png_with_transparency_is_flattened_on_white(api, alice, alice_channel, media):
    image = Image.new("RGBA", (320, 180), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    api.force_authenticate(alice.user)
    url = reverse("api_studio_channel_picture", kwargs={"slug": alice_channel.slug})
    assert _put(api, url, SimpleUploadedFile("clear.png", out.getvalue())).status_code == 200
    alice_channel.refresh_from_db()
    with Image.open(media / Path(alice_channel.cover.name).parent / "thumb.jpg") as thumb:
        assert thumb.convert("RGB").getpixel((10, 10)) == (255, 255, 255)
