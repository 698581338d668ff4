"""Authors can appeal a rejection once; the item goes back to the queue."""

import pytest

from moderation import services
from moderation.models import ModerationAction, ReviewItem
from tests.moderation.helpers import course_publish

pytestmark = pytest.mark.usefixtures("review_unverified")


@pytest.fixture
def rejected(alice_channel, moderator):
    course = course_publish(alice_channel)
    item = ReviewItem.objects.get(object_id=course.pk)
    services.review_reject(item=item, moderator=moderator, reason="Looks like spam")
    return course, item


def test_the_author_appeals_once_and_the_item_returns_to_the_queue(client, rejected, alice):
    course, item = rejected
    url = f"/moderation/appeal/{item.pk}/"
    client.force_login(alice.user)
    page = client.get(url)
    assert page.status_code == 200 and "Looks like spam" in page.content.decode()
    client.post(url, {"text": "It is a real course, see the syllabus."})
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.PENDING
    assert item.source == ReviewItem.Source.APPEAL
    assert ModerationAction.objects.filter(kind="appeal", actor=alice.user).exists()
    course.refresh_from_db()
    assert not course.is_published  # still hidden until a moderator decides


def test_a_second_appeal_is_refused(client, rejected, alice, moderator):
    course, item = rejected
    url = f"/moderation/appeal/{item.pk}/"
    client.force_login(alice.user)
    client.post(url, {"text": "Please look again."})
    services.review_reject(item=item, moderator=moderator, reason="Still spam")
    response = client.post(url, {"text": "Once more?"}, follow=True)
    assert "it can be appealed once" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.REJECTED
    assert ModerationAction.objects.filter(kind="appeal").count() == 1


def test_an_upheld_appeal_shows_the_content(rejected, alice, moderator):
    course, item = rejected
    services.review_appeal(item=item, user=alice.user, text="Real course")
    services.review_approve(item=item, moderator=moderator)
    course.refresh_from_db()
    assert course.is_published


def test_only_the_author_can_appeal(client, rejected, bob):
    _course, item = rejected
    client.force_login(bob)
    assert client.get(f"/moderation/appeal/{item.pk}/").status_code == 404
    assert client.post(f"/moderation/appeal/{item.pk}/", {"text": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.REJECTED
