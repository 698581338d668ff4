"""Covers and avatars: a creator uploads a picture on the studio page, learners see it on
the cards that list the item; a bad file is refused with a reason and changes nothing;
without a picture, initials on a colour stand in."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.services.deletion import account_deletion_execute, account_deletion_request
from core.pictures import SHAPES, placeholder
from marketplace.models import Channel
from tests.factories import CourseFactory, LiveSessionFactory
from tests.s3 import bucket_keys, fetch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(media_in_tmp):
    return media_in_tmp


def photo(name="holiday.jpg", size=(200, 100), orientation=None, fmt="JPEG") -> SimpleUploadedFile:
    """Left half red, right half blue; EXIF with a camera maker (and an orientation)."""
    image = Image.new("RGB", size, (220, 0, 0))
    image.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def stored(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def upload_cover(client, channel, upload):
    url = reverse("marketplace:channel_cover", kwargs={"slug": channel.slug})
    return client.post(url, {"picture": upload})


def test_creator_uploads_a_channel_cover_and_the_catalogue_card_shows_it(
    client, alice, alice_channel, media
):
    client.force_login(alice.user)
    response = upload_cover(client, alice_channel, photo(orientation=6))
    assert response.status_code == 302
    alice_channel.refresh_from_db()
    folder = Path(alice_channel.cover.name).parent
    assert stored(media) == [f"{folder}/{name}.jpg" for name in sorted(SHAPES["cover"])]
    for name, box in SHAPES["cover"].items():
        with Image.open(media / folder / f"{name}.jpg") as image:
            assert image.size == box
            # No EXIF left (the camera maker, GPS, ...), and turned upright: the
            # photo's "rotate 90°" tag put its red left half on top.
            assert not image.getexif()
            rgb = image.convert("RGB")
            assert rgb.getpixel((box[0] // 2, 2))[0] > 150  # red at the top
            assert rgb.getpixel((box[0] // 2, box[1] - 3))[2] > 150  # blue at the bottom

    catalogue = client.get(reverse("marketplace:catalogue")).content.decode()
    assert f'src="/media/{folder}/card.jpg"' in catalogue
    # The picture is served (DEBUG off too), as a file no browser sniffs into a page.
    served = client.get(f"/media/{folder}/card.jpg")
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"].startswith("public")


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("evil.png", b"<script>alert(1)</script>"), "not a picture we accept"),
        (SimpleUploadedFile("empty.png", b""), "empty"),
        (photo("huge.png", size=(3000, 3000), fmt="PNG"), "too many pixels"),
        (photo("anim.bmp", fmt="BMP"), "not a picture we accept"),
    ],
    ids=["html named png", "empty", "too many pixels", "bitmap"],
)
def test_a_bad_file_is_refused_with_a_reason_and_the_old_cover_stays(
    client, alice, alice_channel, media, settings, upload, message
):
    settings.CONTENT_IMAGE_MAX_PIXELS = 2000 * 2000
    client.force_login(alice.user)
    upload_cover(client, alice_channel, photo())
    alice_channel.refresh_from_db()
    before, files = alice_channel.cover.name, stored(media)

    response = upload_cover(client, alice_channel, upload)

    assert response.status_code == 400
    assert message in response.content.decode()
    alice_channel.refresh_from_db()
    assert alice_channel.cover.name == before
    assert stored(media) == files


def test_a_new_cover_replaces_the_old_files_and_remove_brings_back_the_placeholder(
    client, alice, alice_channel, media, django_capture_on_commit_callbacks
):
    client.force_login(alice.user)
    upload_cover(client, alice_channel, photo())
    with django_capture_on_commit_callbacks(execute=True):
        upload_cover(client, alice_channel, photo("second.jpg"))
    alice_channel.refresh_from_db()
    assert len(stored(media)) == len(SHAPES["cover"])
    assert all(
        name.startswith(str(Path(alice_channel.cover.name).parent)) for name in stored(media)
    )

    url = reverse("marketplace:channel_cover", kwargs={"slug": alice_channel.slug})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"remove": "on"})
    alice_channel.refresh_from_db()
    assert not alice_channel.cover and stored(media) == []
    page = client.get(alice_channel.get_absolute_url()).content.decode()
    assert "picture-banner" not in page


def test_another_creator_cannot_change_alices_cover(client, charlie, alice_channel, media):
    client.force_login(charlie.user)
    assert upload_cover(client, alice_channel, photo()).status_code == 404
    assert not Channel.objects.get(pk=alice_channel.pk).cover and stored(media) == []


def test_without_a_picture_cards_show_initials_on_a_colour(client, alice_channel):
    page = client.get(reverse("marketplace:catalogue")).content.decode()
    assert 'data-testid="picture-placeholder"' in page
    assert ">AP</span>" in page  # Alice's Python Lab
    assert placeholder("机器学习").initials == "机器"
    assert placeholder("Data").initials == "D"
    assert placeholder("Data Science").colour == placeholder("Data Science").colour
    assert placeholder("Data Science").colour != placeholder("Cooking").colour


def test_course_and_session_covers_show_on_their_cards(client, alice, alice_channel, media):
    course = CourseFactory(channel=alice_channel, title="Deep Python")
    session = LiveSessionFactory(channel=alice_channel, title="Office hours")
    client.force_login(alice.user)
    client.post(
        reverse("marketplace:course_cover", kwargs={"slug": course.slug}), {"picture": photo()}
    )
    course.refresh_from_db()
    courses = client.get(reverse("marketplace:catalogue") + "?kind=courses").content.decode()
    assert course.cover.url.replace("wide.jpg", "card.jpg") in courses

    # A session without its own cover shows its channel's; with one, its own.
    upload_cover(client, alice_channel, photo())
    alice_channel.refresh_from_db()
    home = client.get(reverse("home")).content.decode()
    assert alice_channel.cover.url.replace("wide.jpg", "thumb.jpg") in home
    response = client.post(
        reverse("livestream:session_cover", kwargs={"pk": session.pk}), {"picture": photo()}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    home = client.get(reverse("home")).content.decode()
    assert session.cover.url.replace("wide.jpg", "thumb.jpg") in home


def test_avatar_shows_on_the_creator_page_and_leaves_with_the_account(
    client, alice, bob, media, django_capture_on_commit_callbacks
):
    client.force_login(alice.user)
    response = client.post(reverse("accounts:avatar"), {"picture": photo(size=(300, 500))})
    assert response.status_code == 302
    alice.user.refresh_from_db()
    with Image.open(media / alice.user.avatar.name) as image:
        assert image.size == SHAPES["avatar"]["large"]
    page = client.get(alice.get_absolute_url()).content.decode()
    assert alice.user.avatar.url in page

    # Erasing bob's account erases his avatar's files too.
    client.force_login(bob)
    client.post(reverse("accounts:avatar"), {"picture": photo()})
    bob.refresh_from_db()
    avatar_folder = str(Path(bob.avatar.name).parent)
    with django_capture_on_commit_callbacks(execute=True):
        deletion = account_deletion_request(user=bob)
        account_deletion_execute(deletion_id=deletion.pk)
    bob.refresh_from_db()
    assert not bob.avatar
    assert not [name for name in stored(media) if name.startswith(avatar_folder)]


def test_covers_go_to_the_bucket_and_are_read_back_publicly(s3, client, alice, alice_channel):
    client.force_login(alice.user)
    assert upload_cover(client, alice_channel, photo()).status_code == 302
    alice_channel.refresh_from_db()
    folder = str(Path(alice_channel.cover.name).parent)
    assert bucket_keys(s3) == [f"{folder}/{name}.jpg" for name in sorted(SHAPES["cover"])]
    card = alice_channel.cover.url.replace("wide.jpg", "card.jpg")
    assert card.startswith(s3["endpoint"]) and "Signature" not in card
    status, body = fetch(card)
    assert status == 200
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == SHAPES["cover"]["card"]
    assert card in client.get(reverse("marketplace:catalogue")).content.decode()
