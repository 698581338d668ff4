"""Pictures under moderation: a report on a channel, course or session covers its
cover (the review page shows it), a moderator removes the picture alone from the
review queue (one item or in bulk, with a reason in the audit trail; the files leave
after commit, the placeholder shows), and deleting a channel, course or session
deletes its picture files once the delete commits."""

from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from livestream import services as live_services
from marketplace import services as market_services
from marketplace.models import Course
from moderation import services
from moderation.models import ModerationAction, ReviewItem
from tests.core.test_pictures import photo, stored
from tests.factories import CourseFactory, LiveSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(media_in_tmp):
    return media_in_tmp


@pytest.fixture
def one_report_opens_review(settings):
    settings.MODERATION_REPORT_THRESHOLD = 0.1


def _item_for(obj) -> ReviewItem:
    return ReviewItem.objects.get(object_id=obj.pk, content_type__model=obj._meta.model_name)


def test_a_reported_channel_shows_its_cover_and_the_moderator_removes_only_the_picture(
    client, alice, alice_channel, bob, moderator, media, one_report_opens_review,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    market_services.listing_cover_update(listing=alice_channel, user=alice.user, upload=photo())
    alice_channel.refresh_from_db()
    folder = Path(alice_channel.cover.name).parent
    services.report_submit(reporter=bob, obj=alice_channel, reason="The cover is offensive")
    item = _item_for(alice_channel)

    client.force_login(moderator)
    page = client.get(reverse("admin:moderation_reviewitem_change", args=[item.pk]))
    html = page.content.decode()
    assert f'src="/media/{folder}/card.jpg"' in html and 'data-testid="review-picture"' in html
    assert 'value="remove_picture"' in html

    decide = reverse("admin:moderation_reviewitem_decide", args=[item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(decide, {"decision": "remove_picture", "reason": " "})
    assert refused.status_code == 302
    alice_channel.refresh_from_db()
    assert alice_channel.cover.name and len(stored(media)) == 3  # no reason: nothing done

    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide, {"decision": "remove_picture", "reason": "Offensive cover"})
    alice_channel.refresh_from_db()
    assert not alice_channel.cover and stored(media) == []
    action = ModerationAction.objects.get(kind=ModerationAction.Kind.PICTURE_REMOVE)
    assert (action.actor, action.item, action.reason) == (moderator, item, "Offensive cover")
    assert action.target_user == alice.user
    item.refresh_from_db()
    assert item.is_open  # the text still waits for its own decision
    # The channel page shows the placeholder, and there is nothing left to remove.
    channel_page = client.get(alice_channel.get_absolute_url()).content.decode()
    assert "picture-banner" not in channel_page
    after = client.get(reverse("admin:moderation_reviewitem_change", args=[item.pk]))
    assert 'value="remove_picture"' not in after.content.decode()


def test_pictures_of_reported_courses_and_sessions_go_in_bulk_with_one_reason(
    client, alice, alice_channel, bob, moderator, media, one_report_opens_review,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    course = CourseFactory(channel=alice_channel, title="Go in Depth")
    session = LiveSessionFactory(channel=alice_channel, title="Go live")
    market_services.listing_cover_update(listing=course, user=alice.user, upload=photo())
    live_services.session_cover_update(session=session, user=alice.user, upload=photo())
    assert len(stored(media)) == 6
    for obj in (course, session):
        services.report_submit(reporter=bob, obj=obj, reason="Bad picture")
    items = [_item_for(course).pk, _item_for(session).pk]

    client.force_login(moderator)
    changelist = reverse("admin:moderation_reviewitem_changelist")
    ask = client.post(changelist, {"action": "remove_picture_selected", "_selected_action": items})
    assert (
        ask.status_code == 200 and "Remove the pictures of selected items" in ask.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist,
            {
                "action": "remove_picture_selected",
                "_selected_action": items,
                "apply": "1",
                "reason": "Not allowed here",
            },
        )
    course.refresh_from_db()
    session.refresh_from_db()
    assert not course.cover and not session.cover and stored(media) == []
    assert ModerationAction.objects.filter(kind="picture_remove").count() == 2


def test_removing_a_picture_that_is_not_there_is_refused(
    alice_channel, bob, moderator, one_report_opens_review
):
    services.report_submit(reporter=bob, obj=alice_channel, reason="Spam")
    with pytest.raises(Exception, match="no picture to remove"):
        services.review_picture_remove(
            item=_item_for(alice_channel), moderator=moderator, reason="x"
        )
    assert not ModerationAction.objects.filter(kind="picture_remove").exists()


def test_deleting_a_channel_course_or_session_deletes_its_pictures_after_commit(
    alice, alice_channel, media, django_capture_on_commit_callbacks
):
    course = CourseFactory(channel=alice_channel)
    session = LiveSessionFactory(channel=alice_channel)
    market_services.listing_cover_update(listing=alice_channel, user=alice.user, upload=photo())
    market_services.listing_cover_update(listing=course, user=alice.user, upload=photo())
    live_services.session_cover_update(session=session, user=alice.user, upload=photo())
    assert len(stored(media)) == 9

    # A delete that rolls back keeps every file.
    course_pk = course.pk
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            course.delete()
            raise RuntimeError("changed my mind")
    assert len(stored(media)) == 9

    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.get(pk=course_pk).delete()
    assert len(stored(media)) == 6
    # The channel takes its sessions with it (a cascade): both pictures go.
    with django_capture_on_commit_callbacks(execute=True):
        alice_channel.delete()
    assert stored(media) == []
