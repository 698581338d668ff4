"""event_record: what is stored, what is clipped or ignored, opt-out, the watch
endpoint, and the hooks in views and payments."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import consents_for
from marketplace import purchases
from recommend import services
from recommend.items import item_key_for
from recommend.models import Event, RecommendationList, VariantDailyStat
from tests.factories import CourseFactory, LiveSessionFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_view_is_one_row_keyed_by_item(bob, alice_channel):
    course = CourseFactory(channel=alice_channel)
    assert services.event_record(user=bob, kind="view", item=course)
    event = Event.objects.get()
    assert (event.user, event.kind, event.item_key) == (bob, "view", f"course:{course.pk}")


def test_objects_map_to_their_item_and_others_are_ignored(bob, alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    tier = TierFactory(channel=alice_channel)
    assert item_key_for(tier) == f"channel:{alice_channel.pk}"
    assert item_key_for(session) == f"session:{session.pk}"
    assert item_key_for("course:7") == "course:7"
    assert item_key_for("nonsense:7") is None
    assert item_key_for(bob) is None
    assert not services.event_record(user=bob, kind="like", item=bob)
    assert not services.event_record(user=bob, kind="teleport", item=session)
    assert not Event.objects.exists()


def test_repeated_views_within_the_window_count_once(bob, alice_channel):
    for _ in range(5):
        services.event_record(user=bob, kind="view", item=alice_channel)
    assert Event.objects.count() == 1


def test_a_flood_stops_at_the_daily_cap(settings, bob, alice_channel):
    settings.RECOMMEND_MAX_EVENTS_PER_USER_PER_DAY = 10
    courses = [CourseFactory(channel=alice_channel) for _ in range(15)]
    stored = [services.event_record(user=bob, kind="like", item=c) for c in courses]
    assert stored.count(True) == 10
    assert Event.objects.filter(user=bob).count() == 10


def test_watch_seconds_add_up_in_one_row_per_day_and_absurd_values_are_refused(bob, alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    services.event_record(user=bob, kind="watch", item=session, value=30)
    services.event_record(user=bob, kind="watch", item=session, value=25.5)
    services.event_record(user=bob, kind="watch", item=session, value=10_000)  # clipped
    assert not services.event_record(user=bob, kind="watch", item=session, value=-5)
    assert not services.event_record(user=bob, kind="watch", item=session, value=float("nan"))
    assert not services.event_record(user=bob, kind="watch", item=session, value="lots")
    row = Event.objects.get(kind="watch")
    assert row.value == 30 + 25.5 + 90  # 90 = RECOMMEND_WATCH_MAX_REPORT_SECONDS


def test_opted_out_users_store_nothing_but_anonymous_variant_counts(bob, alice_channel):
    services.event_record(user=bob, kind="view", item=alice_channel)
    RecommendationList.objects.create(
        user=bob, variant="blend", algorithm="blend", items=[], created_at=timezone.now()
    )
    services.personalisation_set(user=bob, opted_out=True)
    assert not Event.objects.filter(user=bob).exists()  # forgotten
    assert not RecommendationList.objects.filter(user=bob).exists()
    course = CourseFactory(channel=alice_channel)
    services.event_record(user=bob, kind="purchase", item=course)
    services.event_record(user=bob, kind="impression", value=6, variant="nonpersonal")
    services.event_record(user=bob, kind="click", item=course, variant="nonpersonal")
    assert not Event.objects.filter(user=bob).exists()
    stat = VariantDailyStat.objects.get(variant="nonpersonal")
    assert (stat.impressions, stat.clicks) == (6, 1)


def test_impressions_of_one_list_are_one_counter_update(bob, django_assert_num_queries):
    consents_for(bob.pk)  # bob's consents cached, as after his first page
    # one INSERT ... ON CONFLICT DO UPDATE, whatever the list length
    with django_assert_num_queries(1):
        services.event_record(user=bob, kind="impression", value=12, variant="blend")
    # Nobody to bound the contribution of (no user, no request): not counted.
    services.event_record(user=None, kind="impression", value=3, variant="blend")
    assert VariantDailyStat.objects.get(variant="blend").impressions == 12


@pytest.mark.django_db(transaction=True)
def test_an_event_inside_a_rolled_back_write_is_not_stored(bob, alice_channel):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.event_record(user=bob, kind="purchase", item=alice_channel)
        raise RuntimeError("the purchase failed")
    assert not Event.objects.exists()
    with transaction.atomic():
        services.event_record(user=bob, kind="purchase", item=alice_channel)
        assert not Event.objects.exists()  # written after the commit, not inside
    assert Event.objects.filter(kind="purchase").count() == 1


def test_old_personalisation_page_leads_to_the_privacy_page(client, bob):
    client.force_login(bob)
    response = client.get(reverse("recommend:personalisation"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:privacy")


def test_personalisation_switch_is_the_accounts_consent(bob):
    services.personalisation_set(user=bob, opted_out=True)
    assert services.personalisation_opted_out(bob)
    assert not consents_for(bob.pk)["personalisation"]
    services.personalisation_set(user=bob, opted_out=False)
    assert not services.personalisation_opted_out(bob)


# --- watch endpoint ----------------------------------------------------------------


def test_watch_endpoint_records_seconds_clipped_to_elapsed_time(client, bob, alice_channel):
    session = LiveSessionFactory(channel=alice_channel, duration_minutes=60)
    client.force_login(bob)
    url = reverse("recommend:watch")
    first = client.post(url, {"session": session.pk, "seconds": 30})
    assert first.json() == {"recorded": 30.0}
    # a second report right away cannot claim more than the seconds since the first (+5)
    second = client.post(url, {"session": session.pk, "seconds": 30})
    assert second.json()["recorded"] <= 6
    total = Event.objects.get(kind="watch").value
    assert 30 < total <= 36


def test_watch_endpoint_refuses_nonsense(client, bob, alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    url = reverse("recommend:watch")
    assert client.post(url, {"session": session.pk, "seconds": 5}).status_code == 401
    client.force_login(bob)
    assert client.post(url, {"session": session.pk, "seconds": -3}).status_code == 400
    assert client.post(url, {"session": session.pk, "seconds": "x"}).status_code == 400
    assert client.post(url, {"session": 999999, "seconds": 5}).status_code == 404
    assert client.get(url).status_code == 405
    assert not Event.objects.exists()


def test_watch_time_per_day_never_exceeds_the_video(client, bob, alice_channel, settings):
    settings.RECOMMEND_WATCH_MAX_REPORT_SECONDS = 10_000
    session = LiveSessionFactory(channel=alice_channel, duration_minutes=1)  # live: 2 min max
    client.force_login(bob)
    client.post(reverse("recommend:watch"), {"session": session.pk, "seconds": 5000})
    assert Event.objects.get(kind="watch").value == 120


# --- hooks in other apps -----------------------------------------------------------


def test_detail_pages_record_views(client, bob, alice_channel):
    course = CourseFactory(channel=alice_channel)
    session = LiveSessionFactory(channel=alice_channel)
    client.force_login(bob)
    client.get(alice_channel.get_absolute_url())
    client.get(course.get_absolute_url())
    client.get(session.get_absolute_url())
    assert set(Event.objects.filter(user=bob, kind="view").values_list("item_kind", flat=True)) == {
        "channel",
        "course",
        "session",
    }


def test_anonymous_page_views_store_nothing(client, alice_channel):
    client.get(alice_channel.get_absolute_url())
    assert not Event.objects.exists()


def test_a_tip_records_a_tip_event(bob, alice_channel):
    from payments import services as payments

    payments.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="pi_1")
    payments.tip_send(
        tipper=bob, creator=alice_channel.creator.user, amount=500, currency="CNY", client_key="k1"
    )
    assert Event.objects.filter(user=bob, kind="tip", item_kind="channel").count() == 1


def test_a_wallet_purchase_records_a_purchase_event(bob, alice_channel):
    from payments import services as payments

    course = CourseFactory(channel=alice_channel, price_amount=1000, currency="CNY")
    payments.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="pi_2")
    purchases.purchase_with_wallet(buyer=bob, course=course)
    assert Event.objects.filter(user=bob, kind="purchase", item_id=course.pk).count() == 1


def test_other_users_are_not_touched(bob, alice_channel):
    charlie = UserFactory()
    services.event_record(user=bob, kind="like", item=alice_channel)
    services.personalisation_set(user=charlie, opted_out=True)
    assert Event.objects.filter(user=bob).count() == 1


def test_chatting_and_asking_in_a_live_room_are_engagement_events(
    alice_channel, bob, django_capture_on_commit_callbacks
):
    from livestream import services as room

    session = room.session_start(
        session=LiveSessionFactory(channel=alice_channel), user=alice_channel.creator.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            room.chat_post(session=session, user=bob, text=f"Hello from Bob, {n}")
        room.question_ask(session=session, user=bob, text="How do you size a position?")
    kinds = Event.objects.filter(user=bob, item_kind="session", item_id=session.pk)
    # Five messages are one signal (one per user, session and day), the question another.
    assert sorted(kinds.values_list("kind", flat=True)) == ["comment", "question"]
