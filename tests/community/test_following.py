"""Following creators and channels: free, apart from subscribing, with a feed of what
they publish and a go-live notice that reaches followers in batches."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Delivery, Notification, NotificationKind
from accounts.services.notify import notification_preferences_save
from community import selectors, services
from community.models import FeedItem, Follow
from livestream import services as live_services
from marketplace import entitlements as marketplace_entitlements
from marketplace import services as marketplace_services
from marketplace.models import Entitlement, PublicationStatus
from tests.factories import (
    ChannelFactory,
    CourseFactory,
    LiveSessionFactory,
    TierFactory,
    UserFactory,
)


def test_following_is_free_separate_from_subscribing_and_counted(alice, alice_channel, bob):
    assert services.follow_set(user=bob, target=alice_channel, on=True) is True
    assert services.follow_set(user=bob, target=alice_channel, on=True) is True  # twice: once
    services.follow_set(user=bob, target=alice, on=True)
    assert selectors.follower_count(target=alice_channel) == 1
    assert selectors.follower_count(target=alice) == 1
    assert not Entitlement.objects.filter(user=bob).exists()  # following buys nothing

    assert services.follow_set(user=bob, target=alice_channel, on=False) is False
    assert selectors.follower_count(target=alice_channel) == 0
    assert selectors.follower_count(target=alice) == 1


def test_a_creator_cannot_follow_themselves_nor_a_draft_channel(alice, alice_channel, bob):
    with pytest.raises(ValidationError):
        services.follow_set(user=alice.user, target=alice_channel, on=True)
    draft = ChannelFactory(creator=alice, status=PublicationStatus.DRAFT)
    with pytest.raises(ValidationError):
        services.follow_set(user=bob, target=draft, on=True)
    assert not Follow.objects.exists()


def test_the_follow_button_shows_the_count_and_follows_from_the_channel_page(
    client, alice_channel, bob
):
    page = client.get(alice_channel.get_absolute_url()).content.decode()
    assert "0 followers" in page and 'data-testid="follow-login"' in page

    client.force_login(bob)
    response = client.post(f"/follow/channel/{alice_channel.pk}/", {"on": "1"})
    assert response.status_code == 302 and response["Location"] == alice_channel.get_absolute_url()
    page = client.get(alice_channel.get_absolute_url()).content.decode()
    assert "1 follower" in page and 'data-testid="unfollow-button"' in page


def test_follow_refusals_are_messages_not_errors(client, alice, alice_channel):
    client.force_login(alice.user)
    response = client.post(f"/follow/channel/{alice_channel.pk}/", {"on": "1"}, follow=True)
    assert response.status_code == 200
    assert "You cannot follow yourself." in response.content.decode()
    assert client.post("/follow/channel/999999/", {"on": "1"}).status_code == 404
    assert client.post(f"/follow/tier/{alice_channel.pk}/", {"on": "1"}).status_code == 404
    assert not Follow.objects.exists()


def test_the_feed_shows_new_sessions_courses_and_lessons_of_followed_only(
    alice, alice_channel, bob, charlie, django_capture_on_commit_callbacks
):
    services.follow_set(user=bob, target=alice_channel, on=True)
    other = ChannelFactory(creator=charlie)
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_schedule(
            user=alice.user,
            channel=alice_channel,
            title="Async Python, live",
            scheduled_start=timezone.now() + timedelta(days=1),
        )
        live_services.session_schedule(
            user=charlie.user,
            channel=other,
            title="Not followed",
            scheduled_start=timezone.now() + timedelta(days=1),
        )
        marketplace_services.course_create(
            channel=alice_channel,
            title="Typing in Python",
            summary="Types",
            category=alice_channel.category,
            price_amount=0,
            currency="CNY",
            status=PublicationStatus.PUBLISHED,
        )
    titles = [item.title for item in selectors.feed_for(user=bob)]
    assert titles == ["Typing in Python", "Async Python, live"]
    assert {item.kind for item in selectors.feed_for(user=bob)} == {"course", "session"}
    # A draft course is not in anyone's feed.
    with django_capture_on_commit_callbacks(execute=True):
        marketplace_services.course_create(
            channel=alice_channel,
            title="Draft course",
            summary="x",
            category=alice_channel.category,
            price_amount=0,
            currency="CNY",
        )
    assert "Draft course" not in [item.title for item in selectors.feed_for(user=bob)]


def test_an_item_that_stops_being_public_leaves_the_feed(alice_channel, bob):
    course = CourseFactory(channel=alice_channel, title="Going away")
    services.follow_set(user=bob, target=alice_channel, on=True)
    assert services.feed_item_record(kind=FeedItem.Kind.COURSE, object_id=course.pk)
    course.status = PublicationStatus.DRAFT
    course.save(update_fields=["status"])
    assert not services.feed_item_record(kind=FeedItem.Kind.COURSE, object_id=course.pk)
    assert selectors.feed_for(user=bob) == []


def test_the_following_page_lists_the_feed_in_one_query_for_the_items(
    client, alice, alice_channel, bob, django_assert_num_queries
):
    services.follow_set(user=bob, target=alice, on=True)
    for n in range(3):
        course = CourseFactory(channel=alice_channel, title=f"Course number {n}")
        services.feed_item_record(kind=FeedItem.Kind.COURSE, object_id=course.pk)
    client.force_login(bob)
    client.get("/following/")  # warm the session and the unread badge's cache
    # session, user, feed items (follows as a subquery, creator and channel joined),
    # follows list
    with django_assert_num_queries(4):
        page = client.get("/following/").content.decode()
    assert page.count('data-testid="feed-item"') == 3
    assert "Course number 2" in page


def _live(channel, **kwargs):
    return LiveSessionFactory(channel=channel, **kwargs)


def test_go_live_reaches_followers_once_in_batches_as_each_prefers(
    alice, alice_channel, settings, django_capture_on_commit_callbacks
):
    settings.COMMUNITY_FANOUT_BATCH = 2
    followers = [UserFactory(email=f"f{n}@example.com") for n in range(5)]
    for user in followers[:3]:
        services.follow_set(user=user, target=alice_channel, on=True)
    for user in followers[2:]:  # follower 2 follows both: told once
        services.follow_set(user=user, target=alice, on=True)
    notification_preferences_save(
        user=followers[0], choices={NotificationKind.GO_LIVE: Delivery.IN_APP}
    )
    notification_preferences_save(
        user=followers[1], choices={NotificationKind.GO_LIVE: Delivery.NONE}
    )
    notification_preferences_save(
        user=followers[3], choices={NotificationKind.GO_LIVE: Delivery.EMAIL}
    )
    session = _live(alice_channel)

    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_start(session=session, user=alice.user)

    rows = {n.user.email: n for n in Notification.objects.filter(key=f"live:{session.pk}")}
    assert set(rows) == {"f0@example.com", "f2@example.com", "f3@example.com", "f4@example.com"}
    assert rows["f3@example.com"].in_app is False  # e-mail only: recorded, not in the inbox
    assert all(row.kind == NotificationKind.GO_LIVE for row in rows.values())
    emailed = sorted(r for m in mail.outbox for r in m.to)
    assert emailed == ["f2@example.com", "f3@example.com", "f4@example.com"]
    message = next(m for m in mail.outbox if m.to == ["f2@example.com"])
    assert "you follow" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")

    # Again (a retried task): nobody is told twice.
    mail.outbox.clear()
    for batch in services.golive_followers_batches(session_id=session.pk):
        assert services.golive_followers_notify(session_id=session.pk, user_ids=batch) == 0
    assert mail.outbox == []


def test_a_subscriber_who_also_follows_gets_one_notice(
    alice, alice_channel, django_capture_on_commit_callbacks
):
    tier = TierFactory(channel=alice_channel)
    fan = UserFactory(email="fan@example.com")
    marketplace_entitlements.entitlement_grant(
        user=fan, source=Entitlement.Source.SUBSCRIPTION, source_ref="sub_fan", tier=tier
    )
    services.follow_set(user=fan, target=alice_channel, on=True)
    session = _live(alice_channel)
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_start(session=session, user=alice.user)
    assert Notification.objects.filter(user=fan).count() == 1
    assert [m.to for m in mail.outbox] == [["fan@example.com"]]


def test_a_batch_after_the_session_ended_tells_nobody(alice, alice_channel, bob):
    services.follow_set(user=bob, target=alice_channel, on=True)
    session = _live(alice_channel)
    assert list(services.golive_followers_batches(session_id=session.pk)) == []  # not live
    assert services.golive_followers_notify(session_id=session.pk, user_ids=[bob.pk]) == 0


def test_a_batch_runs_a_fixed_number_of_queries(
    alice, alice_channel, django_assert_num_queries, settings
):
    users = [UserFactory() for _ in range(30)]
    session = _live(alice_channel, status="live", started_at=timezone.now())
    # session, users, then in one transaction (a savepoint here, the test holds one):
    # preferences, already told, one INSERT

    with django_assert_num_queries(7):
        told = services.golive_followers_notify(
            session_id=session.pk, user_ids=[u.pk for u in users[:10]]
        )
    assert told == 10
    with django_assert_num_queries(7):
        told = services.golive_followers_notify(
            session_id=session.pk, user_ids=[u.pk for u in users]
        )
    assert told == 20


def test_a_course_price_change_reaches_the_channels_followers_who_want_it(
    alice_channel, bob, django_capture_on_commit_callbacks
):
    course = CourseFactory(channel=alice_channel, price_amount=9900, currency="CNY")
    quiet = UserFactory(email="quiet@example.com")
    services.follow_set(user=bob, target=alice_channel, on=True)
    services.follow_set(user=quiet, target=alice_channel, on=True)
    notification_preferences_save(
        user=quiet, choices={NotificationKind.PRICE_CHANGE: Delivery.NONE}
    )
    with django_capture_on_commit_callbacks(execute=True):
        marketplace_services.course_update(
            course=course,
            title=course.title,
            category=course.category,
            currency="CNY",
            price_amount=4900,
            status=PublicationStatus.PUBLISHED,
        )
    notice = Notification.objects.get(kind=NotificationKind.PRICE_CHANGE)
    assert notice.user == bob
    assert "99.00" in notice.text and "49.00" in notice.text
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]

    # Saving again without a price change tells nobody anything new.
    with django_capture_on_commit_callbacks(execute=True):
        marketplace_services.course_update(
            course=course,
            title="Renamed",
            category=course.category,
            currency="CNY",
            price_amount=4900,
            status=PublicationStatus.PUBLISHED,
        )
    assert Notification.objects.filter(kind=NotificationKind.PRICE_CHANGE).count() == 1
