"""My learning: everything bob holds in one place (courses with progress, sessions he
may join, subscriptions, replays, answers), his calendar files and secret feed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from content import services as content_services
from content.models import Access
from library import selectors, services
from livestream.models import LiveSession
from marketplace import entitlements as marketplace_entitlements
from marketplace import purchases
from marketplace.models import Entitlement
from qa import services as qa_services
from tests.factories import ChannelFactory, CourseFactory, LiveSessionFactory, TierFactory
from tests.payments.test_card_payments import card
from tests.qa.conftest import ask, fund

Access_ = LiveSession.Access


def grant(user, *, ref, **target):
    return marketplace_entitlements.entitlement_grant(
        user=user, source=Entitlement.Source.TICKET, source_ref=ref, **target
    )


@pytest.fixture
def platinum(alice_channel):
    return TierFactory(channel=alice_channel, name="Platinum", price_amount=9000, currency="CNY")


@pytest.fixture
def course(alice, alice_channel):
    course = CourseFactory(channel=alice_channel, title="Python Deep Dive", slug="python-deep")
    for title in ("Generators", "Decorators", "Asyncio"):
        lesson = content_services.lesson_create(
            user=alice.user, course=course, title=title, body="Text.", access=Access.TICKET
        )
        content_services.item_publish(user=alice.user, item=lesson)
    return course


def test_learner_sees_a_bought_course_with_lessons_read_and_where_to_carry_on(bob, course):
    grant(bob, ref="course-1", course=course)
    first = course.lessons.order_by("position", "pk").first()
    content_services.progress_mark(user=bob, lesson=first)

    library = selectors.library_for_user(user=bob)

    (row,) = library.courses
    assert row.course == course and not row.via_subscription
    assert (row.progress["done"], row.progress["total"], row.progress["percent"]) == (1, 3, 33)
    assert row.progress["resume"] == first


def test_subscriber_finds_the_channels_courses_and_the_sessions_his_tier_opens(
    bob, alice_channel, course, gold, platinum
):
    purchases.subscription_start(user=bob, tier=gold, payment_method=card("4242424242424242"))
    for_gold = LiveSessionFactory(
        channel=alice_channel, title="Gold AMA", access=Access_.SUBSCRIBERS, required_tier=gold
    )
    LiveSessionFactory(
        channel=alice_channel,
        title="Platinum clinic",
        access=Access_.SUBSCRIBERS,
        required_tier=platinum,
    )
    ChannelFactory()  # someone else's channel: nothing of it shows

    library = selectors.library_for_user(user=bob)

    assert [row.course for row in library.courses] == [course]
    assert library.courses[0].via_subscription
    assert library.upcoming == [for_gold]  # not the dearer tier's session
    (subscription,) = library.subscriptions
    assert subscription.tier == gold and subscription.paid_until > timezone.now()


def test_renewals_and_endings_within_two_weeks_are_listed_first(bob, gold):
    from payments import services as payment_services
    from payments.models import Subscription

    renewing = purchases.subscription_start(
        user=bob, tier=gold, payment_method=card("4242424242424242")
    )
    assert selectors.library_for_user(user=bob).expiring == []  # a month away
    in_five_days = timezone.now() + timedelta(days=5)
    Subscription.objects.filter(pk=renewing.pk).update(paid_until=in_five_days)
    (row,) = selectors.library_for_user(user=bob).expiring
    assert row.renews and row.at == in_five_days and row.title.endswith("Gold")

    payment_services.subscription_cancel(subscription=renewing, user=bob)
    (row,) = selectors.library_for_user(user=bob).expiring
    assert not row.renews  # access ends then, nothing is charged


def test_tickets_replays_and_answers_are_listed_and_others_sessions_are_not(
    bob, alice, alice_channel
):
    ticketed = LiveSessionFactory(
        channel=alice_channel, title="Masterclass", access=Access_.TICKET,
        ticket_price_amount=1000, ticket_currency="CNY",
    )  # fmt: skip
    LiveSessionFactory(
        channel=alice_channel, title="Someone else's seat", access=Access_.TICKET,
        ticket_price_amount=1000, ticket_currency="CNY",
    )  # fmt: skip
    replayed = LiveSessionFactory(
        channel=alice_channel, title="Last week", access=Access_.TICKET,
        status=LiveSession.Status.ENDED, ended_at=timezone.now() - timedelta(days=3),
        replay_status=LiveSession.Replay.READY,
        scheduled_start=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    grant(bob, ref="t-1", live_session=ticketed)
    grant(bob, ref="t-2", live_session=replayed)
    qa_services.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    fund(bob, 10_000)
    question = ask(bob, alice.user)
    qa_services.answer_submit(expert=alice.user, question_id=question.pk, text="Use cProfile.")

    library = selectors.library_for_user(user=bob)

    assert library.upcoming == [ticketed]
    assert library.replays == [replayed]
    assert [q.pk for q in library.answered] == [question.pk]
    assert not library.is_empty


def test_an_answer_bought_by_unlocking_is_in_the_readers_library(bob, alice, charlie, settings):
    settings.QA_UNLOCK_PRICE = 100
    qa_services.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    fund(bob, 10_000)
    question = ask(bob, alice.user)
    qa_services.answer_submit(expert=alice.user, question_id=question.pk, text="Use cProfile.")
    fund(charlie.user, 500)
    qa_services.answer_unlock(user=charlie.user, question_id=question.pk)

    library = selectors.library_for_user(user=charlie.user)

    assert [u.question_id for u in library.unlocked] == [question.pk]


def test_a_new_learner_has_an_empty_library_page_that_says_where_to_start(client, bob):
    client.force_login(bob)
    response = client.get(reverse("library:library"))
    assert response.status_code == 200
    assert selectors.library_for_user(user=bob).is_empty
    assert "Browse courses" in response.content.decode()


def test_the_library_page_needs_a_login(client):
    response = client.get(reverse("library:library"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_library_page_runs_a_fixed_number_of_queries(
    client, bob, alice_channel, course, django_assert_num_queries
):
    grant(bob, ref="course-1", course=course)
    for n in range(3):
        session = LiveSessionFactory(channel=alice_channel, title=f"S{n}", access=Access_.TICKET)
        grant(bob, ref=f"s-{n}", live_session=session)
    client.force_login(bob)
    client.get(reverse("library:library"))  # the calendar feed row is made once
    # session, user, calendar feed, entitlements, courses, lessons, progress,
    # subscriptions, upcoming sessions, replays, unlocks, answered questions, then
    # the base page's own: the unread-notification count and the consent check.
    with django_assert_num_queries(14) as captured:
        response = client.get(reverse("library:library"))
    assert response.status_code == 200
    assert len(response.context["library"].upcoming) == 3
    more = LiveSessionFactory(channel=alice_channel, title="S4", access=Access_.TICKET)
    grant(bob, ref="s-4", live_session=more)
    with django_assert_num_queries(len(captured.captured_queries)):
        client.get(reverse("library:library"))


# --- calendar: one session's file, the secret feed ----------------------------------


def test_add_to_calendar_gives_a_standard_ics_with_the_time_in_utc(client, alice_channel):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    session = LiveSessionFactory(
        channel=alice_channel,
        title="Async, explained; with examples",
        scheduled_start=start,
        duration_minutes=90,
        description="Bring questions.\nAnd a laptop.",
    )
    response = client.get(reverse("library:session_ics", args=[session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}\r\n" in body
    end = start + timedelta(minutes=90)
    assert f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}\r\n" in body
    assert "SUMMARY:Async\\, explained\\; with examples\r\n" in body
    unfolded = body.replace("\r\n ", "")
    assert "Bring questions.\\nAnd a laptop." in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_long_chinese_titles_fold_without_splitting_a_character():
    from library.ics import _fold

    line = "SUMMARY:" + "深度学习直播课" * 20
    folded = _fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_a_hidden_sessions_calendar_file_is_not_found(client, alice):
    hidden = LiveSessionFactory(channel=ChannelFactory(creator=alice, status="draft"))
    assert client.get(reverse("library:session_ics", args=[hidden.pk])).status_code == 404


def test_the_secret_feed_lists_the_learners_sessions_and_dies_when_reset(
    client, bob, alice_channel
):
    mine = LiveSessionFactory(channel=alice_channel, title="Mine", access=Access_.TICKET)
    LiveSessionFactory(channel=alice_channel, title="Not mine", access=Access_.TICKET)
    grant(bob, ref="t-1", live_session=mine)
    feed = services.calendar_feed_get_or_create(user=bob)
    url = reverse("library:calendar_feed", args=[feed.token])

    body = client.get(url).content.decode()  # no login: a calendar app polls it
    assert "SUMMARY:Mine\r\n" in body and "Not mine" not in body

    client.force_login(bob)
    client.post(reverse("library:calendar_feed_reset"))
    client.logout()
    assert client.get(url).status_code == 404
    new = services.calendar_feed_get_or_create(user=bob)
    assert new.token != feed.token
    assert client.get(reverse("library:calendar_feed", args=[new.token])).status_code == 200


def test_an_unknown_feed_token_is_not_found(client, db):
    assert client.get(reverse("library:calendar_feed", args=["nope"])).status_code == 404
